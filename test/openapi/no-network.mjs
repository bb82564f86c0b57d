/**
 * Preload (`node --import <this file> ...`) that makes every outbound network attempt in the
 * process fail and leaves a line `NETWORK BLOCKED <api> <target>` on stderr, so a test can prove a
 * tool (redocly, the generator) never reaches for the network. Unix socket paths stay allowed.
 */
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';

function blocked(api, target) {
  const line = `NETWORK BLOCKED ${api} ${String(target)}`;
  process.stderr.write(`${line}\n`);
  return new Error(line);
}

function describe(args) {
  const [first, second] = args;
  if (typeof first === 'object' && first !== null) {
    if (first instanceof URL) return first.href;
    if (typeof first.path === 'string' && first.port === undefined && first.host === undefined) return null;
    return `${first.host ?? first.hostname ?? ''}:${first.port ?? ''}`;
  }
  // net.connect(path[, cb]) is a Unix socket (tsx talks to its parent that way); http.get(url) is not.
  if (typeof first === 'string' && !/^\d+$/.test(first)) return first.includes('://') ? first : null;
  return `${typeof second === 'string' ? second : 'localhost'}:${first ?? ''}`;
}

globalThis.fetch = async (input) => {
  throw blocked('fetch', input instanceof Request ? input.url : input);
};

const originalSocketConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect(...args) {
  const flat = Array.isArray(args[0]) ? args[0] : args;
  const target = describe(flat);
  if (target === null) return originalSocketConnect.apply(this, args);
  throw blocked('net.Socket.connect', target);
};
for (const name of ['connect', 'createConnection']) {
  const original = net[name];
  net[name] = function (...args) {
    const target = describe(args);
    if (target === null) return original.apply(this, args);
    throw blocked(`net.${name}`, target);
  };
}
tls.connect = (...args) => {
  throw blocked('tls.connect', describe(args));
};
for (const [label, mod] of [['http', http], ['https', https]]) {
  for (const name of ['request', 'get']) {
    mod[name] = (...args) => {
      throw blocked(`${label}.${name}`, describe(args) ?? args[0]);
    };
  }
}
dns.lookup = (host) => {
  throw blocked('dns.lookup', host);
};
dns.promises.lookup = async (host) => {
  throw blocked('dns.promises.lookup', host);
};
