export declare const BUILD_INPUTS: string[];
export declare const BUILD_STAMP: string;
export declare const BUILD_OUTPUTS: string[];
export declare function inputsFingerprint(root: string, inputs?: string[]): string;
export declare function writeBuildStamp(root: string, fingerprint: string): void;
export declare function buildStaleness(root: string, fingerprint: string, outputs?: string[]): string | null;
export declare function buildIfStale(options: { root: string; buildScript: string; inputs?: string[]; outputs?: string[]; log?: (message: string) => void }): boolean;
export declare function ensureBuilt(options: { builtFile: string; buildScript: string; log?: (message: string) => void }): boolean;
