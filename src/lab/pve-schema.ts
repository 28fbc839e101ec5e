// The real PVE 8 API schema (pve-docs api-viewer data), indexed for the lab: request paths are
// matched against the schema tree, parameters are checked the way PVE's JSONSchema does it (same
// messages), and responses are checked against each method's `returns`.

import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isIP } from 'node:net';

export interface PveSchemaProp {
  type?: string;
  optional?: number | boolean;
  format?: string | Record<string, PveSchemaProp>;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  pattern?: string;
  default?: unknown;
  default_key?: number;
  alias?: string;
  keyAlias?: string;
  description?: string;
  properties?: Record<string, PveSchemaProp>;
  items?: PveSchemaProp;
  additionalProperties?: number | boolean | PveSchemaProp;
  requires?: string;
}

export interface PveMethodInfo {
  method: string;
  name?: string;
  parameters?: { properties?: Record<string, PveSchemaProp>; additionalProperties?: number };
  returns?: PveSchemaProp;
  protected?: number;
  proxyto?: string;
  allowtoken?: number;
  permissions?: unknown;
}

interface PveTreeNode {
  path: string;
  text: string;
  leaf: number;
  info?: Record<string, PveMethodInfo>;
  children?: PveTreeNode[];
}

export interface PathMatch {
  /** The schema path, e.g. /nodes/{node}/qemu/{vmid}/config */
  template: string;
  pathParams: Record<string, string>;
  methods: Record<string, PveMethodInfo>;
}

export type WireParams = Record<string, string | string[]>;

export interface ValidationResult {
  values: Record<string, unknown>;
  errors: Record<string, string>;
  unknownFormats: string[];
}

const SCHEMA_FILE = 'pve8-apidoc.json';

/** Finds the schema next to the sources (vitest, tsx) or, from dist/lab, in the shipped src/lab/apidoc. */
export function apidocLocation(): string {
  const candidates = [
    new URL(`./apidoc/${SCHEMA_FILE}`, import.meta.url),
    new URL(`../../src/lab/apidoc/${SCHEMA_FILE}`, import.meta.url),
  ];
  for (const c of candidates) {
    const p = fileURLToPath(c);
    if (existsSync(p)) return p;
  }
  throw new Error(`lab: PVE schema ${SCHEMA_FILE} not found (looked in ${candidates.map((c) => fileURLToPath(c)).join(', ')})`);
}

export class PveSchema {
  private readonly byPath = new Map<string, PveTreeNode>();
  private readonly root: PveTreeNode[];
  /** Format ids met in requests that the lab does not check (accepted, recorded). */
  readonly unknownFormats = new Set<string>();

  constructor(tree: PveTreeNode[]) {
    this.root = tree;
    const walk = (nodes: PveTreeNode[]) => {
      for (const n of nodes) {
        this.byPath.set(n.path, n);
        if (n.children) walk(n.children);
      }
    };
    walk(tree);
  }

  static load(file = apidocLocation()): PveSchema {
    return new PveSchema(JSON.parse(readFileSync(file, 'utf8')) as PveTreeNode[]);
  }

  /** Matches a request path (without /api2/json) against the tree; literal segments win over `{param}`. */
  match(path: string): PathMatch | undefined {
    const segments = path.split('/').filter((s) => s !== '');
    if (segments.length === 0) return undefined;
    const params: Record<string, string> = {};
    let level: PveTreeNode[] = this.root;
    let found: PveTreeNode | undefined;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      const literal = level.find((n) => lastSegment(n.path) === seg);
      const variable = literal ? undefined : level.find((n) => /^\{.+\}$/.test(lastSegment(n.path)));
      found = literal ?? variable;
      if (!found) return undefined;
      if (variable) params[lastSegment(variable.path).slice(1, -1)] = safeDecode(seg);
      level = found.children ?? [];
    }
    if (!found) return undefined;
    return { template: found.path, pathParams: params, methods: found.info ?? {} };
  }

  method(template: string, method: string): PveMethodInfo | undefined {
    return this.byPath.get(template)?.info?.[method];
  }

  /** Checks wire parameters (strings) against the method's parameter schema, PVE style. */
  validate(info: PveMethodInfo, wire: WireParams): ValidationResult {
    const props = info.parameters?.properties ?? {};
    const allowExtra = Boolean(info.parameters?.additionalProperties);
    const values: Record<string, unknown> = {};
    const errors: Record<string, string> = {};
    const unknownFormats: string[] = [];
    for (const [key, raw] of Object.entries(wire)) {
      const prop = lookupProp(props, key);
      if (!prop) {
        if (!allowExtra) errors[key] = 'property is not defined in schema and the schema does not allow additional properties';
        else values[key] = raw;
        continue;
      }
      const checked = checkValue(prop, raw, unknownFormats);
      if (checked.error !== undefined) errors[key] = checked.error;
      else values[key] = checked.value;
    }
    for (const [key, prop] of Object.entries(props)) {
      if (key.includes('[n]')) continue;
      if (!isOptional(prop) && !(key in wire)) errors[key] = 'property is missing and it is not optional';
      if (prop.requires && key in wire && !(prop.requires in wire)) errors[prop.requires] = `parameter '${prop.requires}' is required if '${key}' is set`;
    }
    for (const f of unknownFormats) this.unknownFormats.add(f);
    return { values, errors, unknownFormats };
  }

  /** Checks a response's `data` against the method's `returns`; [] means it conforms. */
  checkResponse(method: string, path: string, data: unknown): string[] {
    const m = this.match(path.replace(/^\/api2\/json/, ''));
    const info = m?.methods[method];
    if (!m || !info) return [`${method} ${path}: no such method in the schema`];
    if (!info.returns) return [];
    const problems: string[] = [];
    checkReturn(info.returns, data, 'data', problems);
    return problems;
  }
}

let shared: PveSchema | undefined;
export function pveSchema(): PveSchema {
  shared ??= PveSchema.load();
  return shared;
}

/** Convenience for tests: checks against the shared schema. */
export function checkResponse(method: string, path: string, data: unknown): string[] {
  return pveSchema().checkResponse(method, path, data);
}

function safeDecode(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    return seg;
  }
}

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function isOptional(p: PveSchemaProp): boolean {
  return p.optional === 1 || p.optional === true;
}

// How many of each indexed property (net[n], scsi[n]...) PVE accepts.
const INDEXED_LIMITS: Record<string, number> = {
  net: 32, ipconfig: 32, scsi: 31, ide: 4, sata: 6, virtio: 16, unused: 256, serial: 4, parallel: 3,
  usb: 14, hostpci: 16, numa: 8, virtiofs: 10, mp: 256, link: 8, ring: 8,
};

function lookupProp(props: Record<string, PveSchemaProp>, key: string): PveSchemaProp | undefined {
  const direct = props[key];
  if (direct) return direct;
  const m = /^([a-z]+)(\d+)$/.exec(key);
  if (!m) return undefined;
  const indexed = props[`${m[1]}[n]`];
  if (!indexed) return undefined;
  const n = Number(m[2]);
  const limit = INDEXED_LIMITS[m[1]!] ?? 32;
  if (String(n) !== m[2] || n >= limit) return undefined;
  return indexed;
}

type Checked = { value: unknown; error?: undefined } | { value?: undefined; error: string };

function checkValue(prop: PveSchemaProp, raw: string | string[], unknownFormats: string[]): Checked {
  const type = prop.type ?? 'string';
  if (type === 'array') {
    const list = Array.isArray(raw) ? raw : [raw];
    const out: unknown[] = [];
    for (const item of list) {
      const c = prop.items ? checkValue(prop.items, item, unknownFormats) : { value: item };
      if (c.error !== undefined) return c;
      out.push(c.value);
    }
    return { value: out };
  }
  if (Array.isArray(raw)) {
    if (raw.length !== 1) return { error: `type check ('${type}') failed - got ARRAY` };
    raw = raw[0]!;
  }
  return checkScalar(prop, raw, unknownFormats);
}

function checkScalar(prop: PveSchemaProp, raw: string, unknownFormats: string[]): Checked {
  const type = prop.type ?? 'string';
  switch (type) {
    case 'boolean': {
      if (/^(1|true|yes|on)$/i.test(raw)) return { value: true };
      if (/^(0|false|no|off)$/i.test(raw)) return { value: false };
      return { error: `type check ('boolean') failed - got '${raw}'` };
    }
    case 'integer': {
      if (!/^[+-]?\d+$/.test(raw)) return { error: `type check ('integer') failed - got '${raw}'` };
      const n = Number(raw);
      return checkRange(prop, n) ?? { value: n };
    }
    case 'number': {
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw)) return { error: `type check ('number') failed - got '${raw}'` };
      const n = Number(raw);
      return checkRange(prop, n) ?? { value: n };
    }
    case 'string':
    default: {
      if (prop.maxLength !== undefined && raw.length > prop.maxLength) return { error: `value may only be ${prop.maxLength} characters long` };
      if (prop.enum && !prop.enum.includes(raw)) return { error: `value '${raw}' does not have a value in the enumeration '${prop.enum.join(', ')}'` };
      if (prop.pattern !== undefined && !patternRegex(prop.pattern).test(raw)) return { error: `value does not match the regex pattern` };
      if (prop.format !== undefined) {
        const err = typeof prop.format === 'string' ? checkFormat(prop.format, raw, unknownFormats) : checkPropertyString(prop.format, raw, unknownFormats);
        if (err !== undefined) return { error: err };
      }
      return { value: raw };
    }
  }
}

function checkRange(prop: PveSchemaProp, n: number): Checked | undefined {
  if (prop.minimum !== undefined && n < prop.minimum) return { error: `value must have a minimum value of ${prop.minimum}` };
  if (prop.maximum !== undefined && n > prop.maximum) return { error: `value must have a maximum value of ${prop.maximum}` };
  return undefined;
}

/** Perl patterns in the schema come as `(?^:...)` or bare; PVE anchors them at both ends. */
function patternRegex(pattern: string): RegExp {
  const inner = pattern.replace(/^\(\?\^:(.*)\)$/s, '$1');
  return new RegExp(`^(?:${inner})$`);
}

/** Parses `a=1,b=2,default` into keys per a property-string format; undefined on a syntax error. */
export function parsePropertyString(
  format: Record<string, PveSchemaProp>,
  raw: string,
): { values: Record<string, string>; error?: string } {
  const values: Record<string, string> = {};
  const defaultKey = Object.entries(format).find(([, p]) => p.default_key)?.[0];
  for (const part of raw.split(',')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    let key: string;
    let value: string;
    if (eq < 0) {
      if (!defaultKey) return { values, error: `value without key, but schema does not define a default key` };
      if (defaultKey in values) return { values, error: `duplicate key in comma-separated list property: ${defaultKey}` };
      key = defaultKey;
      value = part;
    } else {
      key = part.slice(0, eq);
      value = part.slice(eq + 1);
    }
    const spec = format[key];
    if (spec?.alias) {
      if (spec.keyAlias) values[spec.keyAlias] = key;
      key = spec.alias;
    }
    if (key in values) return { values, error: `duplicate key in comma-separated list property: ${key}` };
    values[key] = value;
  }
  return { values };
}

function checkPropertyString(format: Record<string, PveSchemaProp>, raw: string, unknownFormats: string[]): string | undefined {
  const parsed = parsePropertyString(format, raw);
  if (parsed.error) return `invalid format - ${parsed.error}`;
  const problems: string[] = [];
  for (const [k, v] of Object.entries(parsed.values)) {
    const spec = format[k];
    if (!spec || spec.alias) {
      problems.push(`${k}: property is not defined in schema and the schema does not allow additional properties`);
      continue;
    }
    const c = checkScalar(spec, v, unknownFormats);
    if (c.error !== undefined) problems.push(`${k}: ${c.error}`);
  }
  for (const [k, spec] of Object.entries(format)) {
    if (!spec.alias && !isOptional(spec) && !(k in parsed.values)) problems.push(`${k}: property is missing and it is not optional`);
  }
  return problems.length ? `invalid format - format error\n${problems.join('\n')}` : undefined;
}

const IPCONFIG_FORMAT: Record<string, PveSchemaProp> = {
  ip: { type: 'string', optional: 1, format: 'pve-ipv4-config' },
  gw: { type: 'string', optional: 1, format: 'ipv4' },
  ip6: { type: 'string', optional: 1, format: 'pve-ipv6-config' },
  gw6: { type: 'string', optional: 1, format: 'ipv6' },
};

const BOOT_FORMAT: Record<string, PveSchemaProp> = {
  order: { type: 'string', optional: 1, pattern: '[a-z]+\\d+(;[a-z]+\\d+)*' },
  legacy: { type: 'string', optional: 1, default_key: 1, pattern: '[acdn]{1,4}' },
};

const CPU_FORMAT: Record<string, PveSchemaProp> = {
  cputype: { type: 'string', optional: 1, default_key: 1, pattern: '(custom-)?[-_.a-zA-Z0-9]+' },
  flags: { type: 'string', optional: 1, pattern: '[+-][a-zA-Z0-9._-]+(;[+-][a-zA-Z0-9._-]+)*' },
  hidden: { type: 'boolean', optional: 1 },
  'hv-vendor-id': { type: 'string', optional: 1, pattern: '[a-zA-Z0-9]{1,12}' },
  'phys-bits': { type: 'string', optional: 1, pattern: '(\\d+|host)' },
  'reported-model': { type: 'string', optional: 1 },
};

const NODE_RE = /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
const CONFIGID_RE = /^[a-z][a-z0-9_]+$/i;
const STORAGE_RE = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;
const TAG_RE = /^[a-z0-9_][a-z0-9_\-+.]*$/i;
const DNS_RE = /^(?:[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?\.)*[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
const LIST_SPLIT = /[;,\s]+/;

function list(raw: string): string[] {
  return raw.split(LIST_SPLIT).filter((s) => s !== '');
}

function isCidr(raw: string, version: 4 | 6 | 0): boolean {
  const m = /^(.+)\/(\d{1,3})$/.exec(raw);
  if (!m) return false;
  const v = isIP(m[1]!);
  if (v === 0 || (version !== 0 && v !== version)) return false;
  return Number(m[2]) <= (v === 4 ? 32 : 128);
}

/** Checks one named format; an id the lab does not know is accepted and recorded. */
export function checkFormat(format: string, raw: string, unknownFormats: string[] = []): string | undefined {
  switch (format) {
    case 'pve-node':
      return NODE_RE.test(raw) ? undefined : `value does not look like a valid node name`;
    case 'pve-node-list':
      return list(raw).every((n) => NODE_RE.test(n)) ? undefined : `value does not look like a valid node name`;
    case 'pve-configid':
      return CONFIGID_RE.test(raw) ? undefined : `invalid configuration ID '${raw}'`;
    case 'pve-configid-list':
      for (const id of list(raw)) if (!CONFIGID_RE.test(id)) return `invalid configuration ID '${id}'`;
      return undefined;
    case 'pve-storage-id':
      return STORAGE_RE.test(raw) ? undefined : `storage ID '${raw}' contains illegal characters`;
    case 'pve-storage-id-list':
      for (const id of list(raw)) if (!STORAGE_RE.test(id)) return `storage ID '${id}' contains illegal characters`;
      return undefined;
    case 'pve-vmid':
      return /^\d+$/.test(raw) && Number(raw) >= 100 ? undefined : `value does not look like a valid VM ID`;
    case 'pve-vmid-list':
      for (const id of list(raw)) if (!/^\d+$/.test(id) || Number(id) < 100) return `value does not look like a valid VM ID`;
      return undefined;
    case 'pve-poolid':
      return /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+){0,2}$/.test(raw) ? undefined : `invalid pool ID '${raw}'`;
    case 'pve-userid':
      return /^[^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+$/.test(raw) && raw.length <= 64 ? undefined : `value '${raw}' does not look like a valid user name`;
    case 'pve-userid-list':
      for (const u of list(raw)) if (!/^[^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+$/.test(u)) return `value '${u}' does not look like a valid user name`;
      return undefined;
    case 'pve-groupid':
    case 'pve-roleid':
      return /^[-_.a-zA-Z0-9]+$/.test(raw) ? undefined : `invalid format - value does not look like a valid ${format === 'pve-groupid' ? 'group' : 'role'} ID`;
    case 'pve-groupid-list':
    case 'pve-roleid-list':
      return list(raw).every((g) => /^[-_.a-zA-Z0-9]+$/.test(g)) ? undefined : `invalid format - value does not look like a valid ID`;
    case 'pve-priv-list':
      return list(raw).every((p) => /^[A-Za-z.]+$/.test(p)) ? undefined : `invalid privilege list`;
    case 'pve-realm':
      return /^[A-Za-z][A-Za-z0-9.\-_]+$/.test(raw) ? undefined : `value '${raw}' does not look like a valid realm`;
    case 'pve-tag-list':
      for (const t of list(raw)) if (!TAG_RE.test(t)) return `invalid format - invalid tag '${t}'`;
      return undefined;
    case 'urlencoded':
      return /^[-%a-zA-Z0-9_.!~*'()]*$/.test(raw) ? undefined : `invalid format - invalid urlencoded string: ${raw}`;
    case 'dns-name':
      return DNS_RE.test(raw) ? undefined : `value does not look like a valid DNS name`;
    case 'dns-name-list':
      return list(raw).every((d) => DNS_RE.test(d)) ? undefined : `value does not look like a valid DNS name`;
    case 'mac-addr':
      return /^[a-f0-9]{2}(:[a-f0-9]{2}){5}$/i.test(raw) && (parseInt(raw.slice(0, 2), 16) & 1) === 0 ? undefined : `value does not look like a valid unicast MAC address`;
    case 'pve-bridge-id':
      return /^[-_.\w\d]+$/.test(raw) ? undefined : `invalid format - value does not look like a valid bridge name`;
    case 'disk-size':
      return /^\d+(\.\d+)?[KMGT]?$/.test(raw) ? undefined : `unable to parse size '${raw}'`;
    case 'pve-volume-id':
      return /^[a-z][a-z0-9\-_.]*[a-z0-9]:.+$/i.test(raw) ? undefined : `unable to parse volume ID '${raw}'`;
    case 'pve-volume-id-or-qm-path':
    case 'pve-volume-id-or-absolute-path':
      return raw === 'none' || raw === 'cdrom' || raw.startsWith('/') || /^[a-z][a-z0-9\-_.]*[a-z0-9]:.+$/i.test(raw) ? undefined : `unable to parse volume ID '${raw}'`;
    case 'ip':
    case 'address':
      return isIP(raw) ? undefined : `value does not look like a valid IP address`;
    case 'ipv4':
      return isIP(raw) === 4 ? undefined : `value does not look like a valid IPv4 address`;
    case 'ipv6':
      return isIP(raw) === 6 ? undefined : `value does not look like a valid IPv6 address`;
    case 'ip-list':
    case 'address-list':
      return list(raw).every((a) => isIP(a)) ? undefined : `value does not look like a valid IP address`;
    case 'CIDR':
      return isCidr(raw, 0) ? undefined : `value does not look like a valid CIDR network`;
    case 'CIDRv4':
      return isCidr(raw, 4) ? undefined : `value does not look like a valid IPv4 CIDR network`;
    case 'CIDRv6':
      return isCidr(raw, 6) ? undefined : `value does not look like a valid IPv6 CIDR network`;
    case 'IPorCIDR':
      return isIP(raw) || isCidr(raw, 0) ? undefined : `value does not look like a valid IP address or CIDR network`;
    case 'pve-ipv4-config':
      return raw === 'dhcp' || raw === 'manual' || isCidr(raw, 4) ? undefined : `invalid IPv4 configuration '${raw}'`;
    case 'pve-ipv6-config':
      return raw === 'dhcp' || raw === 'auto' || raw === 'manual' || isCidr(raw, 6) ? undefined : `invalid IPv6 configuration '${raw}'`;
    case 'pve-qm-ipconfig':
      return checkPropertyString(IPCONFIG_FORMAT, raw, unknownFormats);
    case 'pve-vm-cpu-conf':
      return checkPropertyString(CPU_FORMAT, raw, unknownFormats);
    case 'pve-qm-boot':
      return checkPropertyString(BOOT_FORMAT, raw, unknownFormats);
    case 'pve-hotplug-features':
      return /^(0|1|((network|disk|cpu|memory|usb|cloudinit)(,(network|disk|cpu|memory|usb|cloudinit))*))$/.test(raw) ? undefined : `invalid format - invalid hotplug feature`;
    case 'pve-ha-resource-or-vm-id':
      return /^((vm|ct):)?\d+$/.test(raw) ? undefined : `unable to parse HA resource id '${raw}'`;
    case 'pve-storage-content-list':
      return list(raw).every((c) => /^(images|rootdir|vztmpl|iso|backup|snippets|import|none)$/.test(c)) ? undefined : `invalid content type`;
    case 'pve-storage-content':
      return /^(images|rootdir|vztmpl|iso|backup|snippets|import|none)$/.test(raw) ? undefined : `invalid content type`;
    case 'email-opt':
      return raw === '' || /^[^\s@]+@[^\s@]+$/.test(raw) ? undefined : `value does not look like a valid email address`;
    case 'pve-startup-order':
      return /^((order|up|down)=\d+)(,(order|up|down)=\d+)*$|^\d+$/.test(raw) ? undefined : `invalid format - startup order`;
    case 'pve-qm-bootdisk':
      return /^(ide|sata|scsi|virtio|efidisk|tpmstate)\d+$/.test(raw) ? undefined : `invalid boot disk '${raw}'`;
    default:
      unknownFormats.push(format);
      return undefined;
  }
}

function checkReturn(schema: PveSchemaProp, data: unknown, where: string, problems: string[]): void {
  if (data === null || data === undefined) {
    if (schema.type !== 'null' && schema.type !== undefined && !isOptional(schema)) problems.push(`${where}: expected ${schema.type}, got null`);
    return;
  }
  switch (schema.type) {
    case 'null':
      problems.push(`${where}: expected null, got ${typeof data}`);
      return;
    case 'string':
      if (typeof data !== 'string') problems.push(`${where}: expected string, got ${typeof data}`);
      else if (schema.enum && !schema.enum.includes(data)) problems.push(`${where}: '${data}' not in enum ${schema.enum.join('|')}`);
      else if (schema.pattern && !patternRegex(schema.pattern).test(data)) problems.push(`${where}: '${data}' does not match ${schema.pattern}`);
      return;
    case 'integer':
      // Perl serialises some numbers as strings (nextid returns "101").
      if (!(typeof data === 'number' && Number.isInteger(data)) && !(typeof data === 'string' && /^-?\d+$/.test(data))) problems.push(`${where}: expected integer, got ${JSON.stringify(data)}`);
      else if (schema.minimum !== undefined && Number(data) < schema.minimum) problems.push(`${where}: ${String(data)} below minimum ${schema.minimum}`);
      return;
    case 'number':
      if (typeof data !== 'number' && !(typeof data === 'string' && !Number.isNaN(Number(data)))) problems.push(`${where}: expected number, got ${JSON.stringify(data)}`);
      return;
    case 'boolean':
      if (data !== 0 && data !== 1 && data !== true && data !== false) problems.push(`${where}: expected boolean (0/1), got ${JSON.stringify(data)}`);
      return;
    case 'array':
      if (!Array.isArray(data)) {
        problems.push(`${where}: expected array, got ${typeof data}`);
        return;
      }
      if (schema.items) data.forEach((item, i) => checkReturn(schema.items!, item, `${where}[${i}]`, problems));
      return;
    case 'object': {
      if (typeof data !== 'object' || Array.isArray(data)) {
        problems.push(`${where}: expected object, got ${Array.isArray(data) ? 'array' : typeof data}`);
        return;
      }
      const record = data as Record<string, unknown>;
      const props = schema.properties ?? {};
      for (const [k, v] of Object.entries(record)) {
        const spec = lookupProp(props, k);
        if (!spec) {
          // The published returns are often partial: only an explicit `additionalProperties: 0` forbids extras.
          if (schema.additionalProperties === 0 || schema.additionalProperties === false) problems.push(`${where}.${k}: not allowed by the schema`);
          continue;
        }
        checkReturn(spec, v, `${where}.${k}`, problems);
      }
      for (const [k, spec] of Object.entries(props)) {
        if (!k.includes('[n]') && !isOptional(spec) && !(k in record)) problems.push(`${where}.${k}: missing`);
      }
      return;
    }
    default:
      return;
  }
}
