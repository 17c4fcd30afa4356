export interface BuildResult {
  readonly modules: number;
  readonly copied: number;
  readonly written: number;
  readonly removed: number;
  readonly ms: number;
}
/** Builds dist/ under `root` (default: this package). */
export declare function build(root?: string): Promise<BuildResult>;
