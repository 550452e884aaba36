/**
 * Online shop: one episode is a visit. Page views (landing, categories, products, search), then a
 * funnel with drop-off at each step: cart.added → checkout.started → payment.* (some payments fail
 * and are retried, some stay pending and settle later). Shoppers keep a channel and currency.
 */
import { Categorical, zipfWeights } from './categorical.js';
import { clamp, Rng, round2 } from './random.js';
import type { DatasetSpec, EmitContext, Episode } from './spec.js';

const SEC = 1000;
const MINUTE = 60 * SEC;

/** Category → [product nouns, median price]. */
const CATALOG: ReadonlyArray<readonly [category: string, nouns: readonly string[], price: number]> = [
  ['apparel', ['t-shirt', 'hoodie', 'jacket', 'sneakers', 'cap', 'socks'], 45],
  ['home', ['mug', 'lamp', 'blanket', 'vase', 'cushion', 'candle'], 30],
  ['electronics', ['headphones', 'charger', 'speaker', 'keyboard', 'mouse', 'webcam'], 80],
  ['beauty', ['serum', 'shampoo', 'lip-balm', 'face-mask', 'perfume'], 25],
  ['sports', ['yoga-mat', 'water-bottle', 'dumbbells', 'running-belt', 'jump-rope'], 35],
  ['books', ['cookbook', 'novel', 'notebook', 'planner', 'atlas'], 20],
  ['toys', ['puzzle', 'board-game', 'plush-bear', 'building-set'], 30],
];
const ADJECTIVES = ['classic', 'eco', 'pro', 'mini', 'urban', 'vintage'];

interface Product {
  slug: string;
  category: string;
  price: number;
  page: string;
}

/** The product catalog is fixed (not seeded) so product names are the same in every demo. */
function buildProducts(): Product[] {
  const rng = new Rng(20_240_101);
  const out: Product[] = [];
  for (const adjective of ADJECTIVES) {
    for (const [category, nouns, price] of CATALOG) {
      for (const noun of nouns) {
        const slug = `${adjective}-${noun}`;
        out.push({ slug, category, price: round2(clamp(rng.logNormal(price, 0.5), 3, 900)), page: `/products/${slug}` });
      }
    }
  }
  // Interleave popularity so the Zipf head is not all one adjective.
  return out.map((p, i) => ({ p, k: rng.next() + (i % 7 === 0 ? -0.2 : 0) })).sort((a, b) => a.k - b.k).map((x) => x.p);
}

const CHANNEL = new Categorical(['web', 'ios', 'android'], [60, 25, 15]);
const CURRENCY = new Categorical(['EUR', 'USD', 'GBP'], [55, 30, 15]);
const SOURCE = new Categorical(['direct', 'organic', 'paid', 'social', 'email', 'referral'], [30, 28, 15, 14, 9, 4]);
const METHOD = new Categorical(['card', 'paypal', 'apple_pay', 'klarna', 'google_pay'], [50, 25, 12, 8, 5]);
const QUANTITY = new Categorical([1, 2, 3, 4], [75, 17, 6, 2]);
const CURRENCY_RATE: Readonly<Record<string, number>> = { EUR: 1, USD: 1.08, GBP: 0.86 };

const T_CHANNEL = 21;
const T_CURRENCY = 22;

function commerceEpisode(ctx: EmitContext): Episode {
  const { rng, actors } = ctx;
  const products = buildProducts();
  const popularity = new Categorical(products, zipfWeights(products.length, 1.05));
  const categories = CATALOG.map(([c]) => c);
  const categoryPages = categories.map((c) => `/category/${c}`);

  return (t, rank) => {
    const actor = actors.id(rank);
    const channel = rng.chance(0.9) ? CHANNEL.at(actors.trait(rank, T_CHANNEL)) : CHANNEL.sample(rng);
    const currency = CURRENCY.at(actors.trait(rank, T_CURRENCY));
    const source = SOURCE.sample(rng);
    const interest = popularity.sample(rng);

    // Browsing: landing page, then product-heavy navigation around one interest.
    const views = 1 + rng.geometric(0.3, 40);
    let at = t;
    let sawProduct = false;
    for (let i = 0; i < views; i++) {
      const u = rng.next();
      if (i === 0 ? u < 0.4 : u < 0.1) {
        ctx.emit('page.viewed', at, actor, { page: '/', channel, source });
      } else if (u < (i === 0 ? 0.55 : 0.25)) {
        ctx.emit('page.viewed', at, actor, { page: i === 0 ? '/search' : categoryPages[rng.int(categoryPages.length)] ?? '/', channel, source });
      } else {
        const p = rng.chance(0.6) ? interest : popularity.sample(rng);
        ctx.emit('page.viewed', at, actor, { page: p.page, product: p.slug, category: p.category, channel, source });
        sawProduct = true;
      }
      at += rng.logNormal(40 * SEC, 0.8);
    }

    if (!sawProduct || !rng.chance(0.12)) return;
    const quantity = QUANTITY.sample(rng);
    const amount = round2(interest.price * quantity * (CURRENCY_RATE[currency] ?? 1));
    const item = { product: interest.slug, category: interest.category, quantity, amount, currency, channel };
    ctx.emit('cart.added', at, actor, { ...item, page: interest.page });

    if (!rng.chance(0.55)) return;
    at += rng.logNormal(2 * MINUTE, 0.7);
    ctx.emit('checkout.started', at, actor, { ...item, page: '/checkout', source });

    if (!rng.chance(0.8)) return;
    at += rng.logNormal(90 * SEC, 0.6);
    let method = METHOD.sample(rng);
    const u = rng.next();
    if (u < 0.04) {
      ctx.emit('payment.pending', at, actor, { ...item, payment_method: method, source });
      at += rng.logNormal(30 * MINUTE, 1);
      ctx.emit(rng.chance(0.85) ? 'payment.completed' : 'payment.failed', at, actor, { ...item, payment_method: method, source });
      return;
    }
    if (u < 0.13) {
      ctx.emit('payment.failed', at, actor, { ...item, payment_method: method, source });
      if (!rng.chance(0.6)) return;
      at += rng.logNormal(60 * SEC, 0.5);
      if (rng.chance(0.3)) method = METHOD.sample(rng);
      ctx.emit(rng.chance(0.9) ? 'payment.completed' : 'payment.failed', at, actor, { ...item, payment_method: method, source });
      return;
    }
    ctx.emit('payment.completed', at, actor, { ...item, payment_method: method, source });
  };
}

export const commerce: DatasetSpec = {
  description: 'Online shop: page views, add to cart, checkouts and payments (completed, pending, failed) with drop-off',
  profile: {
    // Low at night, steady by day, an evening shopping peak (UTC).
    hourly: [3, 2, 1, 1, 1, 1, 2, 4, 6, 7, 8, 8, 9, 9, 9, 9, 9, 10, 12, 14, 14, 12, 8, 5],
    weekly: [1.2, 0.95, 0.95, 0.95, 1, 1.05, 1.2],
    monthlyGrowth: 1.25,
    dailyNoise: 0.12,
  },
  eventsPerActor: 25,
  actorZipf: 0.7,
  create: commerceEpisode,
};
