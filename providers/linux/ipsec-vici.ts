/**
 * A minimal client for VICI, charon's control protocol over its unix socket (the
 * protocol swanctl speaks; see strongSwan's src/libcharon/plugins/vici/README.md).
 * We talk to charon directly rather than through `swanctl --load-*`, for two reasons:
 * swanctl's loaders replace *all* connections and clear *all* credentials of a daemon,
 * while a router's charon carries one connection per tunnel that must be loaded and
 * unloaded one at a time; and a pre-shared key sent over the socket goes straight into
 * charon's memory, never into a file, an argv or a log.
 *
 * Framing: every segment is a 32-bit big-endian length and a packet; a packet is a type
 * byte, for named types a length-prefixed name, then a message. A message is a flat
 * sequence of typed elements encoding a tree of sections, key/values and string lists.
 */
import { createConnection, type Socket } from 'node:net';
import { ProviderError } from '../contract.js';

/** A value in a VICI message: a string, a list of strings, or a nested section. */
export type ViciValue = string | readonly string[] | ViciSection;
export interface ViciSection {
  readonly [key: string]: ViciValue;
}

const PacketType = {
  CmdRequest: 0,
  CmdResponse: 1,
  CmdUnknown: 2,
  EventRegister: 3,
  EventUnregister: 4,
  EventConfirm: 5,
  EventUnknown: 6,
  Event: 7,
} as const;
type PacketType = (typeof PacketType)[keyof typeof PacketType];
const NAMED_PACKETS: ReadonlySet<number> = new Set([PacketType.CmdRequest, PacketType.EventRegister, PacketType.EventUnregister, PacketType.Event]);

const Element = { SectionStart: 1, SectionEnd: 2, KeyValue: 3, ListStart: 4, ListItem: 5, ListEnd: 6 } as const;

/** The segment limit charon enforces (512 KiB). */
const MAX_SEGMENT = 512 * 1024;

export interface ViciPacket {
  readonly type: number;
  readonly name?: string;
  readonly message: ViciSection;
}

export function isList(value: ViciValue | undefined): value is readonly string[] {
  return Array.isArray(value);
}

export function isSection(value: ViciValue | undefined): value is ViciSection {
  return typeof value === 'object' && !Array.isArray(value);
}

/** The message bytes of a section tree. Keys keep their insertion order. */
export function encodeMessage(section: ViciSection): Buffer {
  const parts: Buffer[] = [];
  encodeSection(section, parts);
  return Buffer.concat(parts);
}

function encodeSection(section: ViciSection, parts: Buffer[]): void {
  for (const [key, value] of Object.entries(section)) {
    if (typeof value === 'string') {
      parts.push(Buffer.of(Element.KeyValue), encodeName(key), encodeBlob(value));
    } else if (isList(value)) {
      parts.push(Buffer.of(Element.ListStart), encodeName(key));
      for (const item of value) parts.push(Buffer.of(Element.ListItem), encodeBlob(item));
      parts.push(Buffer.of(Element.ListEnd));
    } else {
      parts.push(Buffer.of(Element.SectionStart), encodeName(key));
      encodeSection(value, parts);
      parts.push(Buffer.of(Element.SectionEnd));
    }
  }
}

function encodeName(name: string): Buffer {
  const bytes = Buffer.from(name, 'utf8');
  if (bytes.length === 0 || bytes.length > 255) throw new ProviderError('invalid', `VICI name of ${bytes.length} bytes (1 to 255 allowed)`);
  return Buffer.concat([Buffer.of(bytes.length), bytes]);
}

/** A value blob; its content is never quoted in the error (it may be a secret). */
function encodeBlob(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > 0xffff) throw new ProviderError('invalid', `VICI value of ${bytes.length} bytes (at most 65535 allowed)`);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** The section tree of message bytes; malformed input throws. */
export function decodeMessage(bytes: Buffer): ViciSection {
  const reader = new ByteReader(bytes);
  const root: Record<string, ViciValue> = {};
  const stack: Record<string, ViciValue>[] = [root];
  let list: { name: string; items: string[] } | undefined;
  while (!reader.done()) {
    const type = reader.byte();
    const current = stack[stack.length - 1]!;
    if (list !== undefined && type !== Element.ListItem && type !== Element.ListEnd) throw malformed(`element ${type} inside list ${list.name}`);
    switch (type) {
      case Element.SectionStart: {
        const section: Record<string, ViciValue> = {};
        current[reader.name()] = section;
        stack.push(section);
        break;
      }
      case Element.SectionEnd:
        if (stack.length === 1) throw malformed('unbalanced section end');
        stack.pop();
        break;
      case Element.KeyValue: {
        const key = reader.name();
        current[key] = reader.blob();
        break;
      }
      case Element.ListStart:
        list = { name: reader.name(), items: [] };
        break;
      case Element.ListItem:
        if (list === undefined) throw malformed('list item outside a list');
        list.items.push(reader.blob());
        break;
      case Element.ListEnd:
        if (list === undefined) throw malformed('list end outside a list');
        current[list.name] = list.items;
        list = undefined;
        break;
      default:
        throw malformed(`unknown element type ${type}`);
    }
  }
  if (stack.length !== 1 || list !== undefined) throw malformed('unterminated section or list');
  return root;
}

/** A whole segment (length header included) carrying one packet. */
export function encodePacket(type: PacketType, name?: string, message?: ViciSection): Buffer {
  const parts: Buffer[] = [Buffer.of(type)];
  if (name !== undefined) parts.push(encodeName(name));
  if (message !== undefined) parts.push(encodeMessage(message));
  const body = Buffer.concat(parts);
  if (body.length > MAX_SEGMENT) throw new ProviderError('invalid', `VICI packet of ${body.length} bytes exceeds ${MAX_SEGMENT}`);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length);
  return Buffer.concat([header, body]);
}

export function decodePacket(body: Buffer): ViciPacket {
  const type = body[0];
  if (type === undefined) throw malformed('empty packet');
  if (!NAMED_PACKETS.has(type)) return { type, message: decodeMessage(body.subarray(1)) };
  const reader = new ByteReader(body.subarray(1));
  const name = reader.name();
  return { type, name, message: decodeMessage(body.subarray(2 + Buffer.byteLength(name))) };
}

class ByteReader {
  private offset = 0;
  constructor(private readonly bytes: Buffer) {}
  done(): boolean {
    return this.offset >= this.bytes.length;
  }
  byte(): number {
    const value = this.bytes[this.offset];
    if (value === undefined) throw malformed('truncated message');
    this.offset += 1;
    return value;
  }
  name(): string {
    return this.take(this.byte()).toString('utf8');
  }
  blob(): string {
    if (this.offset + 2 > this.bytes.length) throw malformed('truncated value length');
    const length = this.bytes.readUInt16BE(this.offset);
    this.offset += 2;
    return this.take(length).toString('utf8');
  }
  private take(length: number): Buffer {
    if (this.offset + length > this.bytes.length) throw malformed('truncated element');
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }
}

function malformed(detail: string): ProviderError {
  return new ProviderError('internal', `malformed VICI message from charon: ${detail}`);
}

/**
 * One connection to a charon's VICI socket. Only one command may be outstanding at a
 * time (the protocol has no request ids); use `withVici` to open, use and close one.
 */
export class ViciSession {
  private pending = Buffer.alloc(0);
  private readonly packets: ViciPacket[] = [];
  private waiter: { resolve: (p: ViciPacket) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket, path: string) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.fail(new ProviderError('unavailable', `charon's VICI socket ${path}: ${error.message}`, { cause: error })));
    socket.on('close', () => this.fail(new ProviderError('unavailable', `charon closed its VICI socket ${path}`)));
  }

  /** Connects; a missing or refusing socket is `unavailable` (charon is not running). */
  static open(path: string): Promise<ViciSession> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ path });
      const onError = (error: Error): void => reject(new ProviderError('unavailable', `charon is not answering on ${path}: ${error.message}`, { cause: error }));
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        resolve(new ViciSession(socket, path));
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }

  /** Runs a command; a response with `success = no` throws with charon's errmsg. */
  async request(command: string, message: ViciSection = {}): Promise<ViciSection> {
    this.socket.write(encodePacket(PacketType.CmdRequest, command, message));
    return this.response(command);
  }

  /** Runs a command that streams `event` messages before its response; returns the events. */
  async stream(command: string, event: string, message: ViciSection = {}): Promise<ViciSection[]> {
    this.socket.write(encodePacket(PacketType.EventRegister, event));
    const confirm = await this.nextNonEvent();
    if (confirm.type !== PacketType.EventConfirm) throw new ProviderError('internal', `charon does not know the VICI event ${event}`);
    this.socket.write(encodePacket(PacketType.CmdRequest, command, message));
    const events: ViciSection[] = [];
    for (;;) {
      const packet = await this.next();
      if (packet.type === PacketType.Event) {
        if (packet.name === event) events.push(packet.message);
        continue;
      }
      checkResponse(command, packet);
      return events;
    }
  }

  private async response(command: string): Promise<ViciSection> {
    const packet = await this.nextNonEvent();
    return checkResponse(command, packet);
  }

  private async nextNonEvent(): Promise<ViciPacket> {
    for (;;) {
      const packet = await this.next();
      if (packet.type !== PacketType.Event) return packet;
    }
  }

  private next(): Promise<ViciPacket> {
    const queued = this.packets.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  private receive(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 4) {
      const length = this.pending.readUInt32BE(0);
      if (length > MAX_SEGMENT) return this.fail(malformed(`segment of ${length} bytes`));
      if (this.pending.length < 4 + length) return;
      const body = this.pending.subarray(4, 4 + length);
      this.pending = this.pending.subarray(4 + length);
      let packet: ViciPacket;
      try {
        packet = decodePacket(body);
      } catch (error) {
        return this.fail(error instanceof Error ? error : malformed(String(error)));
      }
      this.deliver(packet);
    }
  }

  private deliver(packet: ViciPacket): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter !== undefined) waiter.resolve(packet);
    else this.packets.push(packet);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(this.failure);
    this.socket.destroy();
  }
}

function checkResponse(command: string, packet: ViciPacket): ViciSection {
  if (packet.type === PacketType.CmdUnknown) throw new ProviderError('internal', `charon does not know the VICI command ${command}`);
  if (packet.type !== PacketType.CmdResponse) throw malformed(`packet type ${packet.type} in answer to ${command}`);
  if (packet.message['success'] === 'no') {
    const errmsg = packet.message['errmsg'];
    throw new ViciCommandFailed(command, typeof errmsg === 'string' ? errmsg : 'no reason given');
  }
  return packet.message;
}

/** charon answered a command with `success = no`. */
export class ViciCommandFailed extends ProviderError {
  constructor(readonly command: string, readonly errmsg: string) {
    super('internal', `charon refused ${command}: ${errmsg}`);
    this.name = 'ViciCommandFailed';
  }
}

/**
 * Opens a session on `socketPath`, runs `use`, and closes it. The whole exchange is
 * bounded by `timeoutMs`, since a wedged daemon must not hang the provider.
 */
export async function withVici<T>(socketPath: string, use: (vici: ViciSession) => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const session = await ViciSession.open(socketPath);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProviderError('timeout', `charon on ${socketPath} did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([use(session), timeout]);
  } finally {
    clearTimeout(timer);
    session.close();
  }
}
