export declare function ensureBuilt(options: { builtFile: string; buildScript: string; log?: (message: string) => void }): boolean;
