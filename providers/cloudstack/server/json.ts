/**
 * The JSON values CloudStack answers are made of, and the one date format it writes
 * them in (`2024-05-01T10:00:00+0000`, Java's `yyyy-MM-dd'T'HH:mm:ssZ` in UTC).
 */

export type Json = string | number | boolean | null | readonly Json[] | JsonObject;
export interface JsonObject {
  readonly [key: string]: Json | undefined;
}

export function cloudstackDate(date: Date): string {
  return `${date.toISOString().slice(0, 19)}+0000`;
}
