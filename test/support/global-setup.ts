/** Starts shared test servers once for the whole run (filled in by the test-support work). */
export default async function setup(): Promise<void> {}
