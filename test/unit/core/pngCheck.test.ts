/** The PNG export writes only what is a PNG of a chart's size. */
import * as assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { pngDataUrlBase64, pngProblem } from '../../../src/core/pngCheck';

/** A real, minimal PNG of `width` × `height` grey pixels (CRCs are not checked, so zeros stand in). */
function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    return Buffer.concat([len, Buffer.from(type, 'latin1'), data, Buffer.alloc(4)]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  const rows = Buffer.alloc((width + 1) * height);
  const iend = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows)), iend]);
}

describe('PNG export check', () => {
  it('accepts a PNG data URL', () => {
    const bytes = png(4, 3);
    const base64 = pngDataUrlBase64(`data:image/png;base64,${bytes.toString('base64')}`);
    assert.ok(base64 !== undefined);
    assert.equal(pngProblem(Buffer.from(base64, 'base64')), undefined);
  });

  it('refuses what is not a base64 PNG data URL', () => {
    assert.equal(pngDataUrlBase64('data:text/html;base64,PGh0bWw+'), undefined);
    assert.equal(pngDataUrlBase64('data:image/png;base64,not base64!'), undefined);
    assert.equal(pngDataUrlBase64('data:image/png,raw'), undefined);
  });

  it('refuses bytes that are not a sane PNG', () => {
    assert.match(pngProblem(Buffer.from('#!/bin/sh\nrm -rf ~\n'.repeat(4)))!, /wrong signature/);
    assert.match(pngProblem(Buffer.from([0x89, 0x50, 0x4e, 0x47]))!, /too short/);
    const good = png(4, 3);
    assert.match(pngProblem(good.subarray(0, good.length - 12))!, /no end chunk/);
    assert.match(pngProblem(png(100_000, 2))!, /100000×2 pixels/);
    assert.match(pngProblem(good, 10)!, /more than a chart can be/);
    const noHeader = Buffer.from(good);
    noHeader.write('IDAT', 12, 'latin1');
    assert.match(pngProblem(noHeader)!, /no header chunk/);
  });
});
