/** The part of node-crate 3.0.0 (which ships no types) that the benchmark calls. */
declare module 'node-crate' {
  interface NodeCrateResult {
    readonly cols: readonly string[];
    readonly rows: readonly (readonly unknown[])[];
    readonly rowcount?: number;
    readonly results?: readonly { readonly rowcount: number; readonly error?: { readonly message: string } }[];
  }
  interface NodeCrate {
    /** A space-separated list of `http://host:port` URLs. */
    connect(urls: string): void;
    execute(sql: string, args?: readonly unknown[]): Promise<NodeCrateResult>;
    executeBulk(sql: string, bulkArgs: readonly (readonly unknown[])[]): Promise<NodeCrateResult>;
    getNewInstance(): NodeCrate;
  }
  const crate: NodeCrate;
  export = crate;
}
