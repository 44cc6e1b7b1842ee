// The explorer page's pure logic (src/ui/lib/), in Node: which parts of a stored line are its
// variables' values, what its links hold, and which windows and steps it asks the API for.
// The modules are the page's own browser JavaScript, imported as they are served.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

interface Part {
  text: string;
  position: number | null;
}
interface Route {
  org: string;
  view: string;
  template: number | null;
  range: string;
  from: string;
  to: string;
  q: string;
  sort: string;
  status: string;
  baseline: string;
  baseline_from: string;
  baseline_to: string;
}
interface Window {
  from: number;
  to: number;
}

// Through a computed specifier: the project's compile does not read the page's JavaScript (it
// has its own, src/ui/tsconfig.json), so each module's surface is declared here.
const load = (path: string): Promise<unknown> =>
  import(new URL(`../../../src/ui/lib/${path}`, import.meta.url).href);
const parts = (await load('template-parts.js')) as {
  templateParts(template: string): Part[];
  lineParts(message: string, template: string | null, variables: readonly string[]): Part[];
};
const routes = (await load('route.js')) as {
  parseRoute(search: string): Route;
  formatRoute(route: Route): string;
  changeRoute(route: Route, change: Partial<Route>): Route;
};
const time = (await load('time.js')) as {
  resolveWindow(choice: { range: string; from: string; to: string }, now: number): Window;
  stepFor(window: Window, points: number): number;
};

/** The values a line's parts mark, by position. */
const marked = (p: Part[]) => p.filter((x) => x.position !== null).map((x) => [x.position, x.text]);

describe('the variables of a stored line, marked on the page', () => {
  it('marks each value where it stands, the text around it left as it was sent', () => {
    const line = 'Failed password for root from 10.0.0.7 port 5522 ssh2';
    const result = parts.lineParts(line, 'Failed password for <*> from <*> port <*> ssh2', [
      'root',
      '10.0.0.7',
      '5522',
    ]);
    assert.deepEqual(marked(result), [
      [0, 'root'],
      [1, '10.0.0.7'],
      [2, '5522'],
    ]);
    assert.equal(result.map((x) => x.text).join(''), line, 'nothing added or lost');
  });

  it('reads a line spaced unlike its template (tabs, runs of spaces), as the matcher does', () => {
    const line = '  Disk\t3   at 91%  ';
    const result = parts.lineParts(line, 'Disk <*> at <*>%', ['3', '91']);
    assert.deepEqual(marked(result), [
      [0, '3'],
      [1, '91'],
    ]);
    assert.equal(result.map((x) => x.text).join(''), line);
  });

  it('marks a value of several words, and a value that also appears in the literal text where it stands', () => {
    assert.deepEqual(
      marked(parts.lineParts('user 7 said hello world to 7', 'user <*> said <*> to 7', ['7', 'hello world'])),
      [
        [0, '7'],
        [1, 'hello world'],
      ],
    );
    assert.deepEqual(marked(parts.lineParts('x.y(z) a+b', '<*>(z) <*>', ['x.y', 'a+b'])), [
      [0, 'x.y'],
      [1, 'a+b'],
    ]);
  });

  it('marks nothing rather than the wrong thing: a template refined since the line was stored, or none', () => {
    const line = 'Disk 3 at 91%';
    for (const [template, variables] of [
      ['Disk <*> at <*>%', ['3']], // fewer values than wildcards
      ['Disk <*> at <*>', ['3', '91%', 'x']], // more
      ['Volume <*> at <*>%', ['3', '91']], // other literal text
      ['Disk <*> at <*>%', ['4', '91']], // a value not in the line
      [null, []], // stored without a template
    ] as const) {
      assert.deepEqual(
        parts.lineParts(line, template, variables),
        [{ text: line, position: null }],
        String(template),
      );
    }
  });

  it('cuts a template into literal text and numbered wildcards', () => {
    assert.deepEqual(parts.templateParts('<*> logged in from <*>'), [
      { text: '<*>', position: 0 },
      { text: ' logged in from ', position: null },
      { text: '<*>', position: 1 },
    ]);
  });
});

describe('the page’s links', () => {
  it('a deep link reads back as the view it names, and writes out as the same link', () => {
    for (const link of [
      '/ui?org=acme',
      '/ui?org=acme&template=2809261701581785',
      '/ui?org=acme&range=7d&q=timeout',
      '/ui?org=acme&view=compare&status=new&baseline=week',
      '/ui?org=acme&view=changes',
      '/ui?org=acme&range=custom&from=2026-12-01T00%3A00%3A00.000Z&to=2026-12-02T00%3A00%3A00.000Z',
    ]) {
      assert.equal(routes.formatRoute(routes.parseRoute(link.slice(3))), link);
    }
    const route = routes.parseRoute('?org=acme&template=12&view=compare');
    assert.equal(route.view, 'compare', 'view=compare wins over a template');
  });

  it('reads a hostile link as the defaults, never as something else', () => {
    const route = routes.parseRoute('?template=-1&view=<script>&org=%20acme%20&template=1e3');
    assert.deepEqual([route.view, route.template, route.org], ['templates', null, 'acme']);
    assert.equal(routes.parseRoute('?template=99999999999999999').template, null, 'past 16 digits');
  });

  it('changing org forgets the search, sort and template of the old one; the view and windows stay', () => {
    const before = routes.parseRoute('?org=acme&template=12&q=disk&sort=-first&range=7d');
    assert.equal(routes.formatRoute(routes.changeRoute(before, { org: 'beta' })), '/ui?org=beta&range=7d');
    const compare = routes.parseRoute('?org=acme&view=compare&status=gone&baseline=week');
    assert.equal(
      routes.formatRoute(routes.changeRoute(compare, { org: 'beta' })),
      '/ui?org=beta&view=compare&baseline=week',
    );
    const changes = routes.parseRoute('?org=acme&view=changes');
    assert.equal(
      routes.formatRoute(routes.changeRoute(changes, { org: 'beta' })),
      '/ui?org=beta&view=changes',
    );
  });
});

describe('the windows and steps the page asks for', () => {
  const now = Date.UTC(2026, 11, 7, 12, 0, 0);
  it('a preset ends now; a custom window keeps its ends; a bad one falls back to the last day', () => {
    assert.deepEqual(time.resolveWindow({ range: '1h', from: '', to: '' }, now), {
      from: now - 3_600_000,
      to: now,
    });
    assert.deepEqual(time.resolveWindow({ range: 'custom', from: '2026-12-01T00:00:00Z', to: '' }, now), {
      from: Date.UTC(2026, 11, 1),
      to: now,
    });
    assert.deepEqual(time.resolveWindow({ range: 'custom', from: 'later', to: 'sooner' }, now), {
      from: now - 86_400_000,
      to: now,
    });
  });

  it('steps are round and within the API’s 1,440 per window, however long the window', () => {
    const day = { from: now - 86_400_000, to: now };
    assert.equal(time.stepFor(day, 60), 30 * 60_000);
    assert.equal(time.stepFor(day, 120), 15 * 60_000);
    for (const span of [60_000, 3_600_000, 86_400_000, 365 * 86_400_000, 200 * 365 * 86_400_000]) {
      const window = { from: now - span, to: now };
      const step = time.stepFor(window, 120);
      assert.ok((span + 1) / step <= 1440, `${span}: ${step}`);
      assert.equal(step % 1000, 0, 'whole seconds, as the API takes them');
    }
  });
});
