#!/usr/bin/env node
// Differential-test peer: evaluates hours expressions with opening_hours.js (the pinned npm package).
//
// Reads JSON lines on stdin, one request per line, and answers each with one JSON line on stdout:
//   {"expr": "...", "from": "2026-03-23T00:00", "to": "2026-04-08T00:00"}
//     -> {"ok": true, "intervals": [["2026-03-23T08:30:00+01:00", "...", false], ...]}
//   {"expr": "...", "windows": [[from, to], ...]}   (several windows for one expression)
//     -> {"ok": true, "windows": [[[start, end, unknown], ...], ...]}
//   on a parse or evaluation error -> {"ok": false, "error": "..."}
// Times are local times of the process's TZ (run it with TZ=Europe/Paris); answers carry the offset.
'use strict';

const readline = require('readline');
const opening_hours = require('opening_hours');

// A nominatim-like location in Paris: France's public holidays, Île-de-France's school holidays (zone C).
const NOMINATIM = { lat: '48.85', lon: '2.35', address: { country_code: 'fr', state: 'Île-de-France' } };

function parseLocal(text) {
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/.exec(text);
    if (!m) {
        throw new Error('bad local time: ' + text);
    }
    return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] || 0), Number(m[5] || 0));
}

function pad(n) {
    return String(n).padStart(2, '0');
}

function isoLocal(d) {
    const offset = -d.getTimezoneOffset();
    const sign = offset >= 0 ? '+' : '-';
    const abs = Math.abs(offset);
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate())
        + 'T' + pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds())
        + sign + pad(Math.floor(abs / 60)) + ':' + pad(abs % 60);
}

function intervals(oh, from, to) {
    return oh.getOpenIntervals(parseLocal(from), parseLocal(to))
        .map(([start, end, unknown]) => [isoLocal(start), isoLocal(end), Boolean(unknown)]);
}

function answer(request) {
    const oh = new opening_hours(request.expr, NOMINATIM, { mode: 0 });
    if (Array.isArray(request.windows)) {
        return { ok: true, windows: request.windows.map(([from, to]) => intervals(oh, from, to)) };
    }
    return { ok: true, intervals: intervals(oh, request.from, request.to) };
}

const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on('line', (line) => {
    if (!line.trim()) {
        return;
    }
    let reply;
    try {
        reply = answer(JSON.parse(line));
    } catch (err) {
        reply = { ok: false, error: String(err && err.message ? err.message : err) };
    }
    process.stdout.write(JSON.stringify(reply) + '\n');
});
