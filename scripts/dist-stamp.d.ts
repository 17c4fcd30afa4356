export declare const SOURCE_ROOTS: readonly string[];
export declare const STAMP: string;
/** Why dist/ under `root` cannot be used, or undefined when it is a build of the sources as they are. */
export declare function staleReason(root: string): string | undefined;
