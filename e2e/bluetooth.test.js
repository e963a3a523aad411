// Bluetooth devices paired from the dashboard, against Chromium's emulated
// Bluetooth adapter (DevTools protocol: BluetoothEmulation on the browser
// session, DeviceAccess on the page's): an Environmental Sensing thermometer
// read, subscribed, re-read and relayed into the hub's history; an Automation
// IO switch switched; a disconnection shown as such; and the relayed switch
// seen from another browser, unheld once this one closes; where
// `watchAdvertisements` exists, BTHome advertisements updating the card; and
// a reading taken during a hub outage reaching history late, then "Forget".
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Hub, eventually, launchBrowser } from './support.js';

const uuid = (short) => `0000${short}-0000-1000-8000-00805f9b34fb`;
const ESS = uuid('181a');
const AIO = uuid('1815');
const BATTERY = uuid('180f');
const TEMPERATURE = uuid('2a6e');
const HUMIDITY = uuid('2a6f');
const BATTERY_LEVEL = uuid('2a19');
const DIGITAL = uuid('2a56');
const CCCD = uuid('2902');

const THERMOMETER = '09:09:09:09:09:01';
const FAN = '09:09:09:09:09:02';

const le16 = (n) => { const b = Buffer.alloc(2); b.writeInt16LE(n); return b; };

/**
 * Emulated peripherals whose characteristics answer from `values` (bytes by
 * characteristic id) and record what the page writes and subscribes to.
 */
class Peripherals {
  constructor(session) {
    this.session = session;
    this.values = new Map();
    this.writes = [];
    this.subscribed = new Set();
    this.refuseConnections = false;
    session.on('BluetoothEmulation.gattOperationReceived', (e) => this.gatt(e));
    session.on('BluetoothEmulation.characteristicOperationReceived', (e) => this.characteristic(e));
    session.on('BluetoothEmulation.descriptorOperationReceived', (e) => this.descriptor(e));
  }

  async add(address, name, services) {
    await this.session.send('BluetoothEmulation.simulatePreconnectedPeripheral', {
      address, name, manufacturerData: [], knownServiceUuids: Object.keys(services),
    });
    return this.serve(address, services);
  }

  /** Adds the services; Chromium's emulation forgets them when the device disconnects. */
  async serve(address, services) {
    const ids = {};
    for (const [serviceUuid, characteristics] of Object.entries(services)) {
      const { serviceId } = await this.session.send('BluetoothEmulation.addService', { address, serviceUuid });
      for (const [characteristicUuid, value] of Object.entries(characteristics)) {
        const { characteristicId } = await this.session.send('BluetoothEmulation.addCharacteristic', {
          serviceId, characteristicUuid, properties: { read: true, write: true, notify: true },
        });
        // Without it startNotifications() fails with NotSupportedError.
        await this.session.send('BluetoothEmulation.addDescriptor', { characteristicId, descriptorUuid: CCCD });
        this.values.set(characteristicId, value);
        ids[characteristicUuid] = characteristicId;
      }
    }
    return ids;
  }

  async gatt({ address, type }) {
    const refuse = type === 'connection' && this.refuseConnections;
    // 0x3e: "connection failed to be established".
    await this.session.send('BluetoothEmulation.simulateGATTOperationResponse', { address, type, code: refuse ? 0x3e : 0 });
  }

  async characteristic({ characteristicId, type, data }) {
    const response = { characteristicId, type, code: 0 };
    if (type === 'read') response.data = this.values.get(characteristicId).toString('base64');
    if (type.startsWith('write')) {
      const bytes = Buffer.from(data, 'base64');
      this.writes.push({ characteristicId, bytes: [...bytes] });
      this.values.set(characteristicId, bytes);
    }
    if (type === 'subscribe-to-notifications') this.subscribed.add(characteristicId);
    await this.session.send('BluetoothEmulation.simulateCharacteristicOperationResponse', response);
  }

  async descriptor({ descriptorId, type }) {
    await this.session.send('BluetoothEmulation.simulateDescriptorOperationResponse', { descriptorId, type, code: 0 });
  }
}

/**
 * A hub, and a signed-in page on it in a Chromium whose emulated adapter is
 * powered on. `features` are Chromium features besides WebBluetooth;
 * `keepPaired` leaves the BluetoothDevice the app pairs in `window.paired`;
 * `onConsole` hears the page's console (by default `BLE_DEBUG=1` prints it);
 * `addPeripherals` sets up the emulated devices before the page loads, and
 * what it returns comes back as `ids`; the chooser picks the device whose
 * address `wanted()` gives, once per prompt. Whatever opened is closed
 * again if a later step fails.
 */
async function openBluetoothPage({ features = [], extraArgs = [], keepPaired = false, onConsole, addPeripherals, wanted }) {
  const hub = await Hub.start();
  let browser;
  try {
    browser = await launchBrowser({
      extraArgs: [`--enable-features=${['WebBluetooth', ...features].join(',')}`, ...extraArgs],
    });
    const context = await browser.newContext();
    if (keepPaired) {
      // The test reaches the very BluetoothDevice object the app paired.
      await context.addInitScript(() => {
        const requestDevice = Bluetooth.prototype.requestDevice;
        Bluetooth.prototype.requestDevice = async function (...options) {
          window.paired = await requestDevice.apply(this, options);
          return window.paired;
        };
      });
    }
    const page = await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', onConsole ?? ((m) => { if (process.env.BLE_DEBUG) console.log('page:', m.text()); }));
    const adapter = await browser.newBrowserCDPSession();
    await adapter.send('BluetoothEmulation.enable', { state: 'powered-on', leSupported: true });
    const peripherals = new Peripherals(adapter);
    const ids = await addPeripherals(peripherals);
    await page.goto(hub.url);
    await page.waitForSelector('[role="status"].connection[data-state="connected"]', { timeout: 20_000 });
    const access = await context.newCDPSession(page);
    await access.send('DeviceAccess.enable');
    const answered = new Set();
    access.on('DeviceAccess.deviceRequestPrompted', async ({ id, devices }) => {
      const device = devices.find((d) => d.id === wanted());
      if (answered.has(id) || !device) return;
      answered.add(id);
      await access.send('DeviceAccess.selectPrompt', { id, deviceId: device.id });
    });
    return { hub, browser, page, peripherals, ids, pageErrors };
  } catch (error) {
    await browser?.close();
    await hub.dispose();
    throw error;
  }
}

describe('Bluetooth devices paired in the browser', () => {
  let hub;
  let browser;
  let page;
  let peripherals;
  let thermometer;
  let fan;
  let pageErrors;
  // The chooser picks whichever device the test asked for.
  let choose = null;

  before(async () => {
    let ids;
    ({ hub, browser, page, peripherals, ids, pageErrors } = await openBluetoothPage({
      addPeripherals: async (emulated) => ({
        thermometer: await emulated.add(THERMOMETER, 'ATC_F02AED', {
          [ESS]: { [TEMPERATURE]: le16(2150), [HUMIDITY]: le16(4825) },
          [BATTERY]: { [BATTERY_LEVEL]: Buffer.from([87]) },
        }),
        fan: await emulated.add(FAN, 'Desk fan', { [AIO]: { [DIGITAL]: Buffer.from([0x00]) } }),
      }),
      wanted: () => choose,
    }));
    ({ thermometer, fan } = ids);
  });

  after(async () => {
    await browser?.close();
    await hub?.dispose();
  });

  async function pair(address) {
    choose = address;
    const before = await page.locator('article.ble-card').count();
    await page.click('button.ble-pair');
    await page.locator('article.ble-card').nth(before).waitFor();
    return page.locator('article.ble-card').nth(before);
  }

  const value = (card, metric) => card.locator(`[data-metric="${metric}"]`).textContent();

  test('a thermometer is paired, subscribed, re-read and relayed to the hub', async () => {
    const card = await pair(THERMOMETER);
    assert.match(await card.textContent(), /ATC_F02AED/);
    assert.match(await card.textContent(), /via this browser \(Bluetooth\)/);
    await eventually(() => value(card, 'temperature'), (t) => t === '21.50 °C', { what: '21.50 °C on the card' });
    await eventually(() => value(card, 'humidity'), (h) => h === '48 %', { what: '48 % humidity' });
    await eventually(() => value(card, 'battery'), (b) => b === '87 %', { what: '87 % battery' });
    await eventually(() => card.getAttribute('data-link'), (l) => l === 'connected', { what: 'connected' });
    // Chromium reports the client configuration (0x2902) write as a subscription.
    for (const uuid of [TEMPERATURE, HUMIDITY]) {
      assert.ok(peripherals.subscribed.has(thermometer[uuid]), `notifications from ${uuid} subscribed`);
    }

    // The emulation cannot notify: a new value shows after a re-read.
    peripherals.values.set(thermometer[TEMPERATURE], le16(2275));
    await card.locator('button.ble-refresh').click();
    await eventually(() => value(card, 'temperature'), (t) => t === '22.75 °C', { what: 'the re-read 22.75 °C' });

    // The hub keeps both in its history, as a device this browser relays.
    const id = await card.getAttribute('data-device');
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const stored = await eventually(
      async () => (await hub.getJson(`api/history?device=${id}&metric=temperature&from=${from}`)).line.map((p) => p.v),
      (values) => values.includes(21.5) && values.includes(22.75),
      { what: `21.5 and 22.75 in the history of ${id}` },
    );
    assert.deepEqual(stored, [21.5, 22.75]);
    const relayed = (await hub.devices()).find(({ device }) => device.id === id);
    assert.equal(relayed.device.adapter, 'browser');
    assert.deepEqual(pageErrors, []);
  });

  test('a switch is switched by writing its Automation IO Digital value', async () => {
    const card = await pair(FAN);
    const toggle = card.locator('button[role="switch"]');
    await eventually(() => toggle.getAttribute('aria-checked'), (c) => c === 'false', { what: 'the fan read as off' });
    await toggle.click();
    await eventually(() => toggle.getAttribute('aria-checked'), (c) => c === 'true', { what: 'the fan shown on' });
    // Output 0 active (0b01), the other three outputs as they were (inactive).
    assert.deepEqual(peripherals.writes, [{ characteristicId: fan[DIGITAL], bytes: [0x01] }]);
    const id = await card.getAttribute('data-device');
    await eventually(
      async () => (await hub.devices()).find(({ device }) => device.id === id)?.state?.on,
      (on) => on === true,
      { what: 'the hub to hear the fan is on' },
    );
  });

  test('a device that drops out is shown disconnected and reconnecting, then back', async () => {
    const card = page.locator('article.ble-card', { hasText: 'ATC_F02AED' });
    peripherals.refuseConnections = true;
    await peripherals.session.send('BluetoothEmulation.simulateGATTDisconnection', { address: THERMOMETER });
    await eventually(() => card.getAttribute('data-link'), (l) => l === 'reconnecting', { what: 'reconnecting' });
    assert.match(await card.locator('.ble-link').textContent(), /^Disconnected, reconnecting/);
    // Back in range: "Refresh" tries again at once instead of waiting out the backoff.
    await peripherals.serve(THERMOMETER, {
      [ESS]: { [TEMPERATURE]: le16(2300), [HUMIDITY]: le16(4825) },
      [BATTERY]: { [BATTERY_LEVEL]: Buffer.from([87]) },
    });
    peripherals.refuseConnections = false;
    await card.locator('button.ble-refresh').click();
    await eventually(() => card.getAttribute('data-link'), (l) => l === 'connected', { what: 'connected again' });
    await eventually(() => value(card, 'temperature'), (t) => t === '23.00 °C', { what: '23.00 °C after reconnecting' });
  });

  test('another browser sees the relayed switch, and that no browser holds it once this one closes', async () => {
    const id = await page.locator('article.ble-card', { hasText: 'Desk fan' }).getAttribute('data-device');
    const other = await browser.newPage();
    await other.goto(hub.url);
    const card = other.locator(`article.card[data-device="${id}"]`);
    await card.waitFor({ timeout: 20_000 });
    assert.equal(await card.getAttribute('data-available'), 'true');
    await page.close();
    await eventually(() => card.getAttribute('data-available'), (a) => a === 'false', { what: 'the fan unavailable' });
    assert.equal((await card.locator('.availability').textContent()).trim(), 'No browser holds this device');
    await other.close();
  });
});

// Chromium's emulation drops an advertisement's service data (its DevTools
// handler copies only the UUIDs, appearance, TX power and manufacturer data),
// so BTHome bytes reach the app's listener through an event the test
// dispatches on the same BluetoothDevice object; the emulated advertisement
// proves the listener is registered and Chromium delivers to it.
describe('BTHome advertisements where the browser can watch them', () => {
  const BTHOME = uuid('fcd2');
  const SENSOR = '09:09:09:09:09:03';
  let hub;
  let browser;
  let page;
  let peripherals;
  let pageErrors;
  const warnings = [];

  before(async () => {
    ({ hub, browser, page, peripherals, pageErrors } = await openBluetoothPage({
      // watchAdvertisements() is behind the experimental features in Chromium 156.
      extraArgs: ['--enable-experimental-web-platform-features'],
      keepPaired: true,
      onConsole: (m) => { if (m.type() === 'warning') warnings.push(m.text()); },
      addPeripherals: (emulated) => emulated.add(SENSOR, 'ATC_BTHOME', {
        [ESS]: { [TEMPERATURE]: le16(2150) },
        [BATTERY]: { [BATTERY_LEVEL]: Buffer.from([87]) },
      }),
      wanted: () => SENSOR,
    }));
  });

  after(async () => {
    await browser?.close();
    await hub?.dispose();
  });

  /** Dispatches an `advertisementreceived` event carrying BTHome `bytes` on the paired device. */
  const advertise = (bytes) => page.evaluate(({ uuid, bytes }) => {
    const event = new Event('advertisementreceived');
    const view = new DataView(new Uint8Array(bytes).buffer);
    Object.defineProperty(event, 'serviceData', { value: new Map([[uuid, view]]) });
    window.paired.dispatchEvent(event);
  }, { uuid: BTHOME, bytes });

  const value = (card, metric) => card.locator(`[data-metric="${metric}"]`).textContent();

  test('a paired thermometer\'s BTHome advertisements update its card and the hub', async () => {
    await page.click('button.ble-pair');
    const card = page.locator('article.ble-card', { hasText: 'ATC_BTHOME' });
    await eventually(() => value(card, 'temperature'), (t) => t === '21.50 °C', { what: '21.50 °C read over GATT' });

    // The app watches the device's advertisements, and Chromium delivers one.
    const watching = await eventually(
      () => page.evaluate(() => window.paired?.watchingAdvertisements),
      (w) => w === true,
      { what: 'the app watching advertisements' },
    );
    assert.equal(watching, true);
    await page.evaluate(() => {
      window.heard = 0;
      window.paired.addEventListener('advertisementreceived', () => { window.heard += 1; });
    });
    await peripherals.session.send('BluetoothEmulation.simulateAdvertisement', {
      entry: {
        deviceAddress: SENSOR,
        rssi: -60,
        scanRecord: { name: 'ATC_BTHOME', uuids: [], appearance: 0, txPower: 0, manufacturerData: [{ key: 0x0969, data: 'AQI=' }] },
      },
    });
    await eventually(() => page.evaluate(() => window.heard), (n) => n >= 1, { what: 'an emulated advertisement' });
    assert.equal(await value(card, 'temperature'), '21.50 °C', 'an advertisement without BTHome data changes nothing');

    // Packet id 1, battery 76 %, 23.45 °C, 3.012 V.
    await advertise([0x40, 0x00, 0x01, 0x01, 0x4c, 0x02, 0x29, 0x09, 0x0c, 0xc4, 0x0b]);
    await eventually(() => value(card, 'temperature'), (t) => t === '23.45 °C', { what: '23.45 °C from BTHome' });
    assert.equal(await value(card, 'battery'), '76 %');
    assert.equal(await value(card, 'voltage'), '3.012 V');
    const id = await card.getAttribute('data-device');
    const from = new Date(Date.now() - 3_600_000).toISOString();
    await eventually(
      async () => (await hub.getJson(`api/history?device=${id}&metric=temperature&from=${from}`)).line.map((p) => p.v),
      (values) => values.includes(23.45),
      { what: `23.45 in the history of ${id}` },
    );

    // Encrypted (device information 0x41): said on the card, values kept.
    await advertise([0x41, 0x12, 0x34, 0x56, 0x78]);
    await eventually(() => card.locator('.card-alert').textContent(), (t) => t === 'Encrypted BTHome is not supported', { what: 'the encrypted warning' });
    assert.equal(await value(card, 'temperature'), '23.45 °C');
    assert.deepEqual(warnings.filter((w) => w.includes('not watching advertisements')), []);
    assert.deepEqual(pageErrors, []);
  });
});

// The hub goes away while a thermometer is held: a value read meanwhile waits
// in the page's outbox, shows on the card as waiting, and lands in the hub's
// history at the time it was read once the hub is back. Then "Forget" gives
// the device up, permission and all (the new permissions backend gives
// Chromium `getDevices()` and `forget()`).
describe('Bluetooth readings through a hub outage, and Forget', () => {
  let hub;
  let browser;
  let page;
  let peripherals;
  let thermometer;
  let pageErrors;

  before(async () => {
    ({ hub, browser, page, peripherals, ids: thermometer, pageErrors } = await openBluetoothPage({
      features: ['WebBluetoothNewPermissionsBackend'],
      keepPaired: true,
      addPeripherals: (emulated) => emulated.add(THERMOMETER, 'ATC_F02AED', {
        [ESS]: { [TEMPERATURE]: le16(2150), [HUMIDITY]: le16(4825) },
      }),
      wanted: () => THERMOMETER,
    }));
  });

  after(async () => {
    await browser?.close();
    await hub?.dispose();
  });

  const value = (card, metric) => card.locator(`[data-metric="${metric}"]`).textContent();
  const card = () => page.locator('article.ble-card', { hasText: 'ATC_F02AED' });
  const temperatures = async (id) => {
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const history = await hub.getJson(`api/history?device=${id}&metric=temperature&from=${from}`);
    return history.line.filter((p) => p.v !== null);
  };

  test('a reading taken while the hub is down waits, then lands in history at the time it was read', async () => {
    await page.click('button.ble-pair');
    await eventually(() => value(card(), 'temperature'), (t) => t === '21.50 °C', { what: '21.50 °C on the card' });
    const id = await card().getAttribute('data-device');
    await eventually(() => temperatures(id), (points) => points.some((p) => p.v === 21.5), { what: '21.5 in the history' });

    await hub.kill();
    await page.waitForSelector('[role="status"].connection:not([data-state="connected"])', { timeout: 20_000 });
    const outageFrom = Date.now();
    peripherals.values.set(thermometer[TEMPERATURE], le16(2275));
    await card().locator('button.ble-refresh').click();
    await eventually(() => value(card(), 'temperature'), (t) => t === '22.75 °C', { what: '22.75 °C read during the outage' });
    // At least the new temperature; the unchanged humidity too unless it was
    // read less than a second before, and a periodic re-read may add more.
    await eventually(
      () => card().locator('.ble-waiting').textContent({ timeout: 1_000 }).catch(() => null),
      (t) => /^(1 reading|\d+ readings) waiting for the hub$/.test(t ?? ''),
      { what: 'the card counting the readings waiting for the hub' },
    );

    const restartedAt = Date.now();
    await hub.spawn();
    await page.waitForSelector('[role="status"].connection[data-state="connected"]', { timeout: 30_000 });
    const points = await eventually(() => temperatures(id), (ps) => ps.some((p) => p.v === 22.75), { what: '22.75 in the history' });
    const late = points.find((p) => p.v === 22.75);
    assert.ok(late.t >= outageFrom && late.t < restartedAt,
      `22.75 stored at ${new Date(late.t).toISOString()}, when it was read (${new Date(outageFrom).toISOString()} to ${new Date(restartedAt).toISOString()}), not when it arrived`);
    await eventually(() => card().locator('.ble-waiting').count(), (n) => n === 0, { what: 'nothing waiting any more' });
    const relayed = (await hub.devices()).find(({ device }) => device.id === id);
    assert.equal(relayed.readings.find((r) => r.metric === 'temperature')?.value, 22.75);
    assert.deepEqual(pageErrors, []);
  });

  test('Forget disconnects the device, removes its card and the browser\'s permission', async () => {
    const listed = () => page.evaluate(async () => (await navigator.bluetooth.getDevices()).map((d) => d.name));
    assert.deepEqual(await listed(), ['ATC_F02AED'], 'the permission is there to forget');
    await card().locator('button.ble-forget').click();
    await card().waitFor({ state: 'detached' });
    await eventually(listed, (names) => names.length === 0, { what: 'getDevices() without the thermometer' });
    assert.equal(await page.evaluate(() => window.paired.gatt.connected), false);

    // A reload offers nothing to connect again.
    await page.reload();
    await page.waitForSelector('[role="status"].connection[data-state="connected"]', { timeout: 20_000 });
    assert.deepEqual(await listed(), []);
    assert.equal(await page.locator('.ble-known button').count(), 0);
    assert.equal(await page.locator('article.ble-card').count(), 0);
    assert.deepEqual(pageErrors, []);
  });
});
