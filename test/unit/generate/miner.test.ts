import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TemplateMiner } from '../../../src/generate/builtin/index.ts';
import { hasConstantText } from '../../../src/generate/checks.ts';
import { MatcherSnapshot } from '../../../src/match/index.ts';
import type { Template } from '../../../src/model/template.ts';

function matchesAlone(org: string, id: number, text: string, line: string): boolean {
  const template: Template = { id, org, text, source: 'builtin', createdAt: 0, updatedAt: 0 };
  return MatcherSnapshot.empty().withChanges([template]).match(org, line)?.templateId === id;
}

const LINES = [
  'Connection timeout after 30s',
  'Connection timeout after 5s',
  'Accepted password for root from 10.0.0.1 port 22 ssh2',
  'Accepted password for alice from 10.0.0.7 port 50022 ssh2',
  'session opened for user root by (uid=0)',
  'session opened for user bob by (uid=1001)',
  'Received block blk_-1608999687919862906 of size 91178 from /10.250.10.6',
  'Received block blk_7503483334202473044 of size 67108864 from /10.251.215.16',
  'Disk sda full',
  'disable: < expand icons* alerts back home >',
  '  spaced   out    line  42  ',
  '12345',
  '10.0.0.1 10.0.0.2',
];

describe('TemplateMiner', () => {
  it('gives even a single line a sensible template', () => {
    const mined = new TemplateMiner().add('acme', 'Connection timeout after 30s');
    assert.equal(mined.text, 'Connection timeout after <*>');
    assert.equal(mined.isNew, true);
    assert.equal(mined.changed, false);
  });

  it('returns templates that match their own line, and final templates that match every line of their cluster', () => {
    const miner = new TemplateMiner();
    const results = LINES.map((line) => miner.add('acme', line));
    results.forEach((mined, k) =>
      assert.ok(matchesAlone('acme', mined.id, mined.text, LINES[k] ?? ''), mined.text),
    );
    const finalText = new Map(results.map((mined) => [mined.id, mined.text]));
    results.forEach((mined, k) =>
      assert.ok(matchesAlone('acme', mined.id, finalText.get(mined.id) ?? '', LINES[k] ?? ''), LINES[k]),
    );
  });

  it('generalises a cluster and keeps its id', () => {
    const miner = new TemplateMiner();
    const first = miner.add('acme', 'Login by root from console');
    const second = miner.add('acme', 'Login by alice from console');
    assert.equal(second.id, first.id);
    assert.equal(second.changed, true);
    assert.equal(second.isNew, false);
    assert.equal(second.text, 'Login by <*> from console');
    const third = miner.add('acme', 'Login by bob from console');
    assert.deepEqual(third, {
      id: first.id,
      text: 'Login by <*> from console',
      isNew: false,
      changed: false,
    });
  });

  it('keeps different kinds of lines apart', () => {
    const miner = new TemplateMiner();
    const a = miner.add('acme', 'Session 12 initialized by client WindowsUpdateAgent');
    const b = miner.add('acme', 'Disk sda is full on host alpha');
    assert.notEqual(a.id, b.id);
  });

  it('does not grow on exactly repeated input', () => {
    const miner = new TemplateMiner();
    for (let k = 0; k < 50; k++) {
      for (const line of LINES) miner.add('acme', line);
    }
    const once = new TemplateMiner();
    for (const line of LINES) once.add('acme', line);
    assert.equal(miner.clusterCount('acme'), once.clusterCount('acme'));
  });

  it('groups lines that are almost all variables together', () => {
    const miner = new TemplateMiner();
    const a = miner.add('acme', '10.0.0.1:50010 Served block blk_1 to /10.0.0.2');
    const b = miner.add('acme', '10.0.0.3:50010 Served block blk_2 to /10.0.0.4');
    assert.equal(a.id, b.id);
    assert.equal(b.text, '<*> Served block <*> to <*>');
  });

  it('counts a variable masked in both lines towards likeness, so one template serves every user', () => {
    const miner = new TemplateMiner();
    const results = [1, 5, 7, 9].map((n) => miner.add('acme', `User u${n} logged in from 10.0.${n}.${n}`));
    assert.equal(new Set(results.map((mined) => mined.id)).size, 1);
    assert.equal(results.at(-1)?.text, 'User <*> logged in from <*>');
    assert.equal(miner.clusterCount('acme'), 1);
  });

  it('keeps apart events that differ in a capitalised word, masked variables in both or not', () => {
    const miner = new TemplateMiner();
    const update = miner.add(
      'acme',
      'Session: 30546173_4261722401 initialized by client WindowsUpdateAgent.',
    );
    const spp = miner.add('acme', 'Session: 30546173_4262462443 initialized by client SPP.');
    assert.notEqual(spp.id, update.id);
    assert.equal(spp.text, 'Session: <*> initialized by client SPP.');
    const looking = miner.add('acme', 'Peer 10.0.0.1 port 2888 is LOOKING now');
    const following = miner.add('acme', 'Peer 10.0.0.2 port 3888 is FOLLOWING now');
    assert.notEqual(following.id, looking.id);
  });

  it('never returns a template without constant text', () => {
    const miner = new TemplateMiner();
    const mined = miner.add('acme', '12345 678');
    assert.equal(mined.text, '12345 678');
    const other = miner.add('acme', '999 1');
    assert.notEqual(other.id, mined.id);
    assert.equal(other.text, '999 1');
  });

  it('keeps orgs apart', () => {
    const miner = new TemplateMiner();
    const a = miner.add('a', 'Login by root from console');
    const b = miner.add('b', 'Login by alice from console');
    assert.notEqual(a.id, b.id);
    assert.equal(b.text, 'Login by alice from console');
  });

  it('continues from seeded templates with their ids', () => {
    const miner = new TemplateMiner();
    miner.seed([
      {
        id: 77,
        org: 'acme',
        text: 'Login by root on host <*> via ssh',
        source: 'builtin',
        createdAt: 0,
        updatedAt: 0,
      },
    ]);
    assert.deepEqual(miner.add('acme', 'Login by root on host h1 via ssh'), {
      id: 77,
      text: 'Login by root on host <*> via ssh',
      isNew: false,
      changed: false,
    });
    assert.deepEqual(miner.add('acme', 'Login by alice on host h2 via ssh'), {
      id: 77,
      text: 'Login by <*> on host <*> via ssh',
      isNew: false,
      changed: true,
    });
  });

  it('bounds its clusters per org, forgetting the least recently used', () => {
    const miner = new TemplateMiner({ maxClustersPerOrg: 3 });
    const first = miner.add('acme', 'alpha event happened');
    miner.add('acme', 'beta thing broke down badly');
    miner.add('acme', 'gamma');
    miner.add('acme', 'alpha event happened'); // touches alpha
    miner.add('acme', 'delta one two three four five');
    assert.equal(miner.clusterCount('acme'), 3);
    assert.equal(miner.add('acme', 'alpha event happened').id, first.id);
    const beta = miner.add('acme', 'beta thing broke down badly');
    assert.equal(beta.isNew, true);
  });

  it('bounds the number of orgs it remembers', () => {
    const miner = new TemplateMiner({ maxOrgs: 2 });
    miner.add('a', 'hello world');
    miner.add('b', 'hello world');
    miner.add('c', 'hello world');
    assert.equal(miner.clusterCount('a'), 0);
    assert.equal(miner.clusterCount('c'), 1);
  });
});

describe('TemplateMiner on multi-line messages', () => {
  const trace = (type: string, depth: number) =>
    [
      `${type}: failed to load /etc/app/${depth}.conf`,
      ...Array.from({ length: depth }, (_, k) => `\tat app.Config.load(Config.java:${k + 10})`),
      'Caused by: java.io.FileNotFoundException: missing',
      '\tat java.io.FileInputStream.open(FileInputStream.java:216)',
      `\t... ${depth} more`,
    ].join('\n');

  it('keeps the lines at the margin and makes each indented run one <*>, whatever its depth', () => {
    const miner = new TemplateMiner();
    const shallow = miner.add('acme', trace('java.lang.IllegalStateException', 1));
    const deep = miner.add('acme', trace('java.lang.IllegalStateException', 7));
    assert.equal(deep.id, shallow.id);
    assert.equal(
      deep.text,
      'java.lang.IllegalStateException: failed to load <*> <*> Caused by: java.io.FileNotFoundException: missing <*>',
    );
    assert.ok(matchesAlone('acme', deep.id, deep.text, trace('java.lang.IllegalStateException', 3)));
    // Another exception type is another event.
    assert.notEqual(miner.add('acme', trace('java.lang.IllegalArgumentException', 2)).id, deep.id);
  });

  it('keeps the indented lines when the lines at the margin alone would pin nothing', () => {
    const mined = new TemplateMiner().add('acme', '{\n  "event": "order_created",\n  "id": 42\n}');
    assert.equal(mined.text, '{ "event": "order_created", "id": <*> }');
  });
});

describe('TemplateMiner and the generate stage check', () => {
  it('gives lines whose header is glued to the message a template the check accepts', () => {
    const miner = new TemplateMiner();
    const lines = [
      '20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579',
      '20171223-22:15:29:615|Step_LSC|30002312|onStandStepChanged 3580',
      '20171223-22:15:31:001|Step_SPUtils|30002312|getTodayTotalDetailSteps = 1514038530000##6993##548365##8661',
    ];
    for (const line of lines) {
      const mined = miner.add('acme', line);
      assert.ok(hasConstantText(mined.text), mined.text);
      assert.ok(matchesAlone('acme', mined.id, mined.text, line), mined.text);
    }
    assert.equal(miner.add('acme', lines[0] ?? '').text, '<*>|Step_LSC|<*>|onStandStepChanged <*>');
  });

  it('falls back to the unmasked line rather than propose what the check refuses', () => {
    // Masked, `12:30 -> 13:45` is `<*> -> <*>`: nothing pins it; as it is, its digits do.
    const mined = new TemplateMiner().add('acme', '12:30 -> 13:45');
    assert.ok(hasConstantText(mined.text), mined.text);
    // A line with no letter or digit has no template the check accepts: the stage refuses it.
    assert.equal(hasConstantText(new TemplateMiner().add('acme', '--- | ---').text), false);
  });
});

describe('TemplateMiner and differing words', () => {
  it('counts a key=value token whose key agrees as a value masked in both', () => {
    const line = (tag: string, name: string, n: number): string =>
      `acquire lock=${n}, flags=0x1, tag="${tag}", name=${name}, ws=null, uid=${n}, pid=${n}`;
    const withCredit = new TemplateMiner({ similarity: 0.8 });
    const first = withCredit.add('acme', line('handleAudioEvent', 'audioserver', 1));
    const second = withCredit.add('acme', line('*launch*', 'com.android.phone', 2));
    assert.equal(second.id, first.id);
    assert.equal(second.text, 'acquire lock=<*>, flags=<*>, tag="<*>", name=<*>, ws=<*>, uid=<*>, pid=<*>');
    const without = new TemplateMiner({ similarity: 0.8, keyCredit: false });
    const alone = without.add('acme', line('handleAudioEvent', 'audioserver', 1));
    assert.notEqual(without.add('acme', line('*launch*', 'com.android.phone', 2)).id, alone.id);
  });

  it('keeps apart long lines that differ in one capitalised word of their wording', () => {
    const miner = new TemplateMiner();
    const common = 'authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=10.0.0.1';
    const first = miner.add('acme', common);
    assert.equal(miner.add('acme', common.replace('10.0.0.1', '10.0.0.2')).id, first.id);
    // 8 of 9 tokens alike, but the one that differs is a word, not a value.
    assert.notEqual(miner.add('acme', common.replace('tty=NODEVssh', 'tty=:0')).id, first.id);
  });

  it('keeps apart a word in capitals that one line lacks, and merges one replaced by another', () => {
    const miner = new TemplateMiner();
    const first = miner.add('acme', 'session opened for user news by (uid=0)');
    assert.notEqual(miner.add('acme', 'session opened for user root by LOGIN(uid=0)').id, first.id);
    const hive = miner.add(
      'acme',
      "Loading offline registry hive: SOFTWARE, into registry key 'k' from path 'p'.",
    );
    const other = miner.add(
      'acme',
      "Loading offline registry hive: SYSTEM, into registry key 'k' from path 'p'.",
    );
    assert.equal(other.id, hive.id);
  });

  it('still merges a lower-case value and a name with a digit', () => {
    const miner = new TemplateMiner();
    const first = miner.add('acme', 'Failed password for root from 10.0.0.1 port 22 ssh2');
    assert.equal(miner.add('acme', 'Failed password for uucp from 10.0.0.2 port 23 ssh2').id, first.id);
    const node = miner.add('acme', 'switch Interconnect-0T00 link errors remain current');
    assert.equal(miner.add('acme', 'switch Interconnect-1N03 link errors remain current').id, node.id);
  });
});

describe('TemplateMiner and the values a position takes', () => {
  // Six tokens, one word differing and two masked values: 4 of 6 alike, under the similarity,
  // so each user would open a cluster of its own without the sibling rule.
  const login = (user: string, n: number): string => `auth ok: ${user} 10.0.0.${n} port ${2200 + n}`;

  it('folds clusters that differ in one lower-case word once it has taken many values, each seldom', () => {
    const miner = new TemplateMiner();
    const [alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map((user, k) =>
      miner.add('acme', login(user, k)),
    );
    assert.equal(new Set([alice?.id, bob?.id, carol?.id]).size, 3, 'three values are not yet evidence');
    assert.equal(dave?.id, alice?.id);
    assert.equal(dave?.text, 'auth ok: <*> <*> port <*>');
    assert.deepEqual(dave?.absorbed, [bob?.id, carol?.id]);
    assert.equal(miner.clusterCount('acme'), 1);
    assert.equal(miner.add('acme', login('erin', 9)).id, alice?.id);
  });

  it('keeps apart a few lower-case words that each repeat (states, not values)', () => {
    const miner = new TemplateMiner();
    const ids = new Map<string, Set<number>>();
    const states = ['started', 'started', 'paused', 'stopped', 'paused', 'stopped', 'started', 'resumed'];
    // Four words over eight lines by the time the fourth comes, then each again.
    for (const [k, state] of [...states, 'paused', 'resumed', 'stopped', 'started'].entries()) {
      const mined = miner.add('acme', `vm 10.0.0.${k} now ${state} port ${k}`);
      ids.set(state, (ids.get(state) ?? new Set()).add(mined.id));
    }
    assert.deepEqual(
      [...ids.values()].map((set) => set.size),
      [1, 1, 1, 1],
    );
    assert.equal(new Set([...ids.values()].flatMap((set) => [...set])).size, 4);
  });

  it('never folds words of the wording, however many', () => {
    const miner = new TemplateMiner();
    const words = ['Started', 'Paused', 'Stopped', 'Resumed', 'Crashed', 'Deleted'];
    const ids = words.map((word, k) => miner.add('acme', `vm 10.0.0.${k} now ${word} port ${k}`).id);
    assert.equal(new Set(ids).size, words.length);
  });

  it('takes a word the org already saw as a variable value as evidence with one more value', () => {
    const seen = new TemplateMiner();
    seen.add('acme', 'session opened for user=root by 0');
    assert.equal(
      seen.add('acme', 'session opened for user=bob by 1').text,
      'session opened for user=<*> by <*>',
    );
    const root = seen.add('acme', login('root', 1));
    const uucp = seen.add('acme', login('uucp', 2));
    assert.equal(uucp.id, root.id);
    assert.equal(uucp.text, 'auth ok: <*> <*> port <*>');

    const fresh = new TemplateMiner();
    const first = fresh.add('acme', login('root', 1));
    assert.notEqual(fresh.add('acme', login('uucp', 2)).id, first.id, 'two words alone are no evidence');
  });

  it('folds names in capitals and handles once they have taken many values, each seldom', () => {
    const miner = new TemplateMiner();
    const hives = ['SOFTWARE,', 'SYSTEM,', 'SECURITY,', 'SAM,'].map(
      (hive) =>
        miner.add('acme', `Loading offline registry hive: ${hive} into registry key 'k' from path 'p'.`).id,
    );
    assert.equal(new Set(hives).size, 1);
    const handles = ['@0x214', '@0xb8', '@0x218', '@0x21c'].map(
      (handle, k) =>
        miner.add('acme', `${k} Created NT transaction (seq ${k}) result 0x0, handle ${handle}`).id,
    );
    assert.equal(handles.at(-1), handles[0]);
  });

  // A whole line's header names the host that wrote it, and each host writes many lines.
  const fromHosts = (miner: TemplateMiner, hosts: readonly string[], each: number): number[][] =>
    hosts.map((host) =>
      Array.from({ length: each }, (_, k) => miner.add('acme', `${host} fan speeds ${k}`).id),
    );

  it('folds names with a digit once there are many, however often each recurs', () => {
    for (const hosts of [
      ['gige1', 'gige2', 'gige3', 'gige4'],
      ['Interconnect-0N00', 'Interconnect-0N01', 'Interconnect-1T00', 'Interconnect-1T01'],
    ]) {
      const miner = new TemplateMiner();
      const ids = fromHosts(miner, hosts, 3);
      assert.equal(new Set(ids.slice(0, 3).flat()).size, 3, 'three names are not yet evidence');
      assert.equal(ids[3]?.[0], ids[0]?.[0]);
      assert.equal(miner.add('acme', `${hosts[0]} fan speeds 9`).text, '<*> fan speeds <*>');
      assert.equal(miner.clusterCount('acme'), 1);
    }
  });

  it('keeps names with a digit apart without the rule: each recurs too often to look like a value', () => {
    const miner = new TemplateMiner({ digitValues: false });
    const ids = fromHosts(miner, ['gige1', 'gige2', 'gige3', 'gige4', 'gige5'], 3);
    assert.equal(new Set(ids.flat()).size, 5);
  });

  it('folds nothing when switched off', () => {
    const miner = new TemplateMiner({ siblingValues: 0 });
    const ids = ['alice', 'bob', 'carol', 'dave', 'erin'].map(
      (user, k) => miner.add('acme', login(user, k)).id,
    );
    assert.equal(new Set(ids).size, 5);
  });
});
