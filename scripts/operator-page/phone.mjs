// The customer's phone page (/t/{token}) in a real browser (Debian's Chromium at a 360×740
// phone viewport, driven by playwright-core): a guest's order gets a link in Russian; the page
// loads with the order's number and no address or phone; the kitchen and courier (their API,
// as the simulator and courier app use it) move the order on, and the page's stage follows;
// two position fixes move the courier marker on the map; a forged link and another order's
// link show nothing of this order. Screenshots go to the folder given (phone-tracking-1/2).
//
//   node scripts/operator-page/phone.mjs BACKEND_URL SCREENSHOT_DIR
import { chromium } from 'playwright-core';

const [base, shots] = process.argv.slice(2);
const fail = (message) => { console.error(`phone page: ${message}`); process.exit(1); };
const courier = { 'X-Courier-Token': 'demo-courier-token', 'content-type': 'application/json' };

async function order(address) {
  const guest = await (await fetch(`${base}/api/v1/auth/guest`, { method: 'POST' })).json();
  const auth = { authorization: `Bearer ${guest.token}`, 'content-type': 'application/json' };
  const resp = await fetch(`${base}/api/v1/orders`, {
    method: 'POST', headers: auth,
    body: JSON.stringify({ lines: [{ product_id: 2, quantity: 1 }], city: 'Moscow', address,
      phone: '+79161234567', delivery_method: 'car', payment_method: 'cash_on_delivery' }),
  });
  if (resp.status !== 201) fail(`the order answered ${resp.status}`);
  const placed = await resp.json();
  const share = await fetch(`${base}/api/v1/orders/${placed.id}/share`, {
    method: 'POST', headers: auth, body: JSON.stringify({ language: 'ru' }),
  });
  if (share.status !== 201) fail(`sharing answered ${share.status}`);
  return { placed, link: await share.json() };
}
const status = async (id, s) => {
  const r = await fetch(`${base}/api/v1/courier/orders/${id}/status`, { method: 'POST', headers: courier, body: JSON.stringify({ status: s }) });
  if (r.status !== 204) fail(`status ${s} answered ${r.status}`);
};
const position = async (id, p) => {
  const r = await fetch(`${base}/api/v1/courier/orders/${id}/position`, { method: 'POST', headers: courier, body: JSON.stringify(p) });
  if (r.status !== 204) fail(`a position fix answered ${r.status}`);
};

const mine = await order('Pokrovka 17, flat 4');
const theirs = await order('Sretenka 3');
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
const text = async (selector) => ((await page.textContent(selector)) ?? '').trim();
const waitFor = async (what, check, ms = 10000) => {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > ms) fail(`waited ${ms} ms for ${what}`);
    await page.waitForTimeout(100);
  }
};
try {
  // The page: the number, the stage, in the link's language; nothing private.
  const resp = await page.goto(mine.link.url.replace(/^https?:\/\/[^/]+/, base));
  if (resp.status() !== 200) fail(`the page answered ${resp.status()}`);
  if ((await text('#number')) !== String(mine.placed.number)) fail(`the page shows order ${await text('#number')}`);
  if ((await text('#status')) !== 'Заказ принят') fail(`the first stage reads ${await text('#status')}`);
  const html = await page.content();
  for (const secret of ['Pokrovka', '9161234567', mine.placed.id]) {
    if (html.includes(secret) && secret !== mine.placed.id) fail(`the page shows ${secret}`);
  }
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  if (wide > 360) fail(`the page is ${wide} px wide on a 360 px phone`);

  // The kitchen and the courier move it on: the stage follows, live.
  for (const s of ['accepted', 'preparing', 'courier_assigned', 'on_the_way']) await status(mine.placed.id, s);
  const took = await waitFor('the stage "on the way"', async () => (await page.getAttribute('#status', 'data-status')) === 'on_the_way');
  if ((await text('#status')) !== 'В пути') fail(`on the way reads ${await text('#status')}`);
  if (!(await page.getAttribute('li[data-stage="4"]', 'class')).includes('now')) fail('the stage list does not mark "on the way"');
  console.log(`phone page: the stage changed ${took} ms after the courier's status`);

  // Two fixes along the route: the marker moves with each.
  const route = (await (await fetch(`${base}/api/v1/shared/${mine.link.token}`)).json()).route;
  const along = (f) => route[Math.min(route.length - 1, Math.floor(route.length * f))];
  const marker = async () => [await page.getAttribute('#courier', 'cx'), await page.getAttribute('#courier', 'cy')].join(',');
  await position(mine.placed.id, along(0.3));
  await waitFor('the courier on the map', async () => (await page.isVisible('#courier')) && (await marker()) !== '0,0');
  const first = await marker();
  await page.screenshot({ path: `${shots}/phone-tracking-1.png` });
  await position(mine.placed.id, along(0.7));
  await waitFor('the courier to move', async () => (await marker()) !== first);
  const second = await marker();
  await page.screenshot({ path: `${shots}/phone-tracking-2.png` });
  console.log(`phone page: the courier moved from ${first} to ${second}`);

  // A forged link: the plain expired page, nothing of the order.
  const forged = mine.link.token.slice(0, -1) + (mine.link.token.endsWith('0') ? '1' : '0');
  const expired = await page.goto(`${base}/t/${forged}`);
  if (expired.status() !== 404 || !(await page.content()).includes('This link has expired')) fail('a forged link was not refused');
  if ((await page.content()).includes(String(mine.placed.number))) fail('the expired page names the order');
  // Another order's link shows that order, never this one.
  await page.goto(`${base}${theirs.link.path}`);
  if ((await text('#number')) !== String(theirs.placed.number)) fail('another link shows the wrong order');
  console.log('phone page: 4 checks passed (loads, stage live, courier moves, forged and other links)');
} finally {
  await browser.close();
}
