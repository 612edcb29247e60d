// Drives the published Segment and RudderStack Node SDKs, unchanged, against
// a running Seam server, then reads every call back through the profile API.
// Exits non-zero on the first mismatch. Env: SEAM_URL, SEAM_WRITE_KEY, SEAM_READ_KEY.
'use strict';
const assert = require('node:assert/strict');
const { Analytics } = require('@segment/analytics-node');
const RudderAnalytics = require('@rudderstack/rudder-sdk-node');

const url = process.env.SEAM_URL;
const writeKey = process.env.SEAM_WRITE_KEY;
const readKey = process.env.SEAM_READ_KEY;

async function profile(ref, suffix = '') {
  const res = await fetch(`${url}/v1/profiles/${encodeURIComponent(ref)}${suffix}`, {
    headers: { Authorization: `Bearer ${readKey}` },
  });
  return { status: res.status, body: await res.json() };
}

function identities(p) {
  return new Set(p.identities.map((i) => `${i.type}:${i.value}`));
}

// The same script of calls through any SDK with the Segment call signatures.
function drive(sdk, tag, phone) {
  sdk.track({ anonymousId: `${tag}-anon`, event: 'Product Viewed', properties: { sku: 'sku-1' } });
  sdk.identify({
    userId: `${tag}-user`,
    anonymousId: `${tag}-anon`,
    traits: { email: `${tag}.User@Example.com `, phone, name: `${tag} 사용자` },
  });
  sdk.page({ anonymousId: `${tag}-anon`, name: 'Home', properties: { url: 'https://shop.example/' } });
  sdk.alias({ userId: `${tag}-user`, previousId: `${tag}-old-anon` });
  sdk.track({
    userId: `${tag}-user`,
    event: 'Order Completed',
    properties: { order_id: `${tag}-o1`, revenue: 39000, currency: 'KRW', products: [{ sku: 'sku-1', category: 'shoes' }] },
  });
}

async function verify(tag, e164) {
  const byEmail = await profile(`email:${tag}.user@example.com`);
  assert.equal(byEmail.status, 200, `${tag}: profile by email: ${JSON.stringify(byEmail.body)}`);
  const p = byEmail.body;
  const ids = identities(p);
  for (const want of [`user_id:${tag}-user`, `anonymous_id:${tag}-anon`, `anonymous_id:${tag}-old-anon`,
                      `user_id:${tag}-old-anon`, `email:${tag}.user@example.com`]) {
    assert.ok(ids.has(want), `${tag}: missing identity ${want} in ${[...ids]}`);
  }
  assert.ok(ids.has(`phone:${e164}`), `${tag}: phone not normalised to E.164`);
  assert.equal(p.computed.orders, 1, `${tag}: orders`);
  assert.equal(p.computed.revenue, 39000, `${tag}: revenue`);
  assert.equal(p.traits.name, `${tag} 사용자`);
  for (const ref of [`user_id:${tag}-user`, `anonymous_id:${tag}-anon`, `anonymous_id:${tag}-old-anon`]) {
    const other = await profile(ref);
    assert.equal(other.status, 200, `${tag}: ${ref}`);
    assert.equal(other.body.profile_id, p.profile_id, `${tag}: ${ref} is another profile`);
  }
  const events = await profile(`user_id:${tag}-user`, '/events?limit=100');
  assert.equal(events.status, 200);
  const kinds = events.body.events.map((e) => `${e.type}:${e.event || ''}`).sort();
  assert.deepEqual(kinds, ['alias:', 'identify:', 'page:Home', 'track:Order Completed', 'track:Product Viewed'],
                   `${tag}: timeline ${JSON.stringify(kinds)}`);
  console.log(`${tag}: ok (${p.profile_id}, ${ids.size} identities, ${kinds.length} events)`);
}

async function main() {
  const segment = new Analytics({ writeKey, host: url, flushAt: 2, flushInterval: 200 });
  const segmentErrors = [];
  segment.on('error', (e) => segmentErrors.push(e));
  drive(segment, 'seg', '010-2222-3333');
  await segment.closeAndFlush({ timeout: 20000 });
  assert.deepEqual(segmentErrors, [], 'segment delivery errors');
  await verify('seg', '+821022223333');

  const rudder = new RudderAnalytics(writeKey, { dataPlaneUrl: url, flushAt: 2, flushInterval: 200, logLevel: 'error' });
  drive(rudder, 'rud', '+82 10-4444-5555');
  // flush() sends at most flushAt messages per call: drain the queue.
  for (let i = 0; i < 6; i++) await new Promise((resolve) => rudder.flush(() => resolve()));
  await verify('rud', '+821044445555');
  console.log('sdk compatibility: 2 passed, 0 failed');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
