// The operator's fleet page in a real browser (Debian's Chromium, driven by playwright-core):
// signs in (a wrong token first), sees two kiosks online with today's takings, stops one
// kiosk's heartbeats and sees it go offline, flips a dish's sold-out switch and finds the
// backend's catalog says so, signs out. Screenshots go to the folder given.
//
//   node scripts/operator-page/test.mjs BACKEND_URL OPERATOR_TOKEN SCREENSHOT_DIR
import { chromium } from 'playwright-core';

const [base, token, shots] = process.argv.slice(2);
const fail = (message) => { console.error(`operator page: ${message}`); process.exit(1); };

// Two kiosks, as the kiosk program names itself: a heartbeat every half second.
const kiosk = (id, store) => ({ 'X-Kiosk-Id': id, 'X-Kiosk-Store': store, 'X-Kiosk-Version': '0.1.0' });
const kiosks = { 'kiosk-arbat': kiosk('kiosk-arbat', 'Arbat 12'), 'kiosk-tverskaya': kiosk('kiosk-tverskaya', 'Tverskaya 7') };
const beat = (id) => fetch(`${base}/api/v1/kiosk/heartbeat`, {
  method: 'POST', headers: { ...kiosks[id], 'content-type': 'application/json' },
  body: JSON.stringify({ screen: '1920x1080', errors: id === 'kiosk-tverskaya' ? ['the backend stopped answering (offline)'] : [] }),
}).then((r) => { if (r.status !== 204) fail(`heartbeat answered ${r.status}`); });
const timers = {};
for (const id of Object.keys(kiosks)) { await beat(id); timers[id] = setInterval(() => beat(id), 500); }

// A customer at the first kiosk orders; its takings show on the page.
const guest = await (await fetch(`${base}/api/v1/auth/guest`, { method: 'POST', headers: kiosks['kiosk-arbat'] })).json();
const order = await fetch(`${base}/api/v1/orders`, {
  method: 'POST',
  headers: { ...kiosks['kiosk-arbat'], authorization: `Bearer ${guest.token}`, 'content-type': 'application/json' },
  body: JSON.stringify({ lines: [{ product_id: 1, quantity: 2 }], city: 'Moscow', address: 'Arbat 12, flat 3',
    phone: '+79123456789', delivery_method: 'car', payment_method: 'cash_on_delivery' }),
});
if (order.status !== 201) fail(`the order answered ${order.status}`);
const placed = await order.json();

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
const text = async (selector) => (await page.textContent(selector)) ?? '';
try {
  await page.goto(`${base}/operator`);
  await page.fill('#token', 'not-the-token');
  await page.click('#sign-in');
  if (!(await text('#error')).includes('not the operator token')) fail('a wrong token was not refused');
  await page.fill('#token', token);
  await page.click('#sign-in');
  await page.waitForSelector('#kiosks');

  for (const id of Object.keys(kiosks)) {
    if ((await text(`tr[data-kiosk="${id}"] td:first-child`)).trim() !== 'online') fail(`${id} is not online`);
  }
  const header = await text('header');
  if (!header.includes('2 of 2 kiosks online')) fail(`header says: ${header}`);
  const orders = (await text('tr[data-kiosk="kiosk-arbat"] td:nth-child(7)')).trim();
  if (orders !== '1') fail(`kiosk-arbat has ${orders} orders today, not 1`);
  const takings = (await text('tr[data-kiosk="kiosk-arbat"] td:nth-child(8)')).trim();
  if (!takings.startsWith('₽') || takings === '₽0') fail(`kiosk-arbat's takings read ${takings}`);
  console.log(`operator page: both kiosks online; kiosk-arbat 1 order, ${takings} (order total ${placed.total.minor / 100})`);

  // One kiosk stops: offline after three missed heartbeats, on the page's own reload.
  clearInterval(timers['kiosk-tverskaya']);
  const stopped = Date.now();
  for (;;) {
    await page.waitForTimeout(250);
    const status = await page.textContent('tr[data-kiosk="kiosk-tverskaya"] td:first-child').catch(() => '');
    if ((status ?? '').trim() === 'offline') break;
    if (Date.now() - stopped > 20000) fail('the stopped kiosk never showed offline');
  }
  console.log(`operator page: the stopped kiosk showed offline ${((Date.now() - stopped) / 1000).toFixed(1)} s later`);
  if ((await text('tr[data-kiosk="kiosk-arbat"] td:first-child')).trim() !== 'online') fail('kiosk-arbat went offline too');
  await page.screenshot({ path: `${shots}/operator.png`, fullPage: false });

  // A sold-out switch: the dish is sold out for the kiosks too.
  await page.click('tr[data-sku="P3"] button');
  await page.waitForSelector('tr[data-sku="P3"] .sold');
  const product = await (await fetch(`${base}/api/v1/products/3`)).json();
  if (product.available !== false) fail('the switch did not mark the dish sold out');
  await page.locator('tr[data-sku="P3"]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${shots}/operator-menu.png` });
  await page.click('tr[data-sku="P3"] button');
  await page.waitForSelector('tr[data-sku="P3"] button:text("Mark sold out")');
  if ((await (await fetch(`${base}/api/v1/products/3`)).json()).available !== true) fail('back on sale did not take');
  console.log('operator page: the sold-out switch took both ways');

  await page.click('#sign-out');
  await page.waitForSelector('#token');
  console.log('operator page: 4 checks passed (sign-in, kiosks online, offline, sold-out switch)');
} finally {
  for (const t of Object.values(timers)) clearInterval(t);
  await browser.close();
}
