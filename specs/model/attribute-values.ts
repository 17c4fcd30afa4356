/**
 * Reading attribute values whose shape the caller knows but the type system does not
 * (provider code turning the engine's attributes into commands, and back): each gives an
 * empty value of its kind instead of throwing, because attributes were validated already.
 */
import type { AttrValue, Attributes } from './resource.js';

/** A string attribute ('' when absent); numbers read as their decimal text. */
export const textOf = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
export const numberOf = (v: AttrValue | undefined): number => (typeof v === 'number' ? v : 0);
export const recordOf = (v: AttrValue | undefined): Attributes => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Attributes) : {});
export const listOf = (v: AttrValue | undefined): readonly AttrValue[] => (Array.isArray(v) ? v : []);
