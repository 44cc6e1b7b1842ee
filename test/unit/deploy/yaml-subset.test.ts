import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseYaml, parseYamlDocuments } from '../../helpers/yaml-subset.ts';

describe('the YAML subset the deployment files are read with', () => {
  it('reads maps, sequences of scalars and of maps, quotes and comments', () => {
    const doc = parseYaml(
      [
        '# a comment',
        'a: plain value # trailing comment',
        "b: 'it''s # not a comment'",
        'c: "x: y"',
        'list:',
        "  - '127.0.0.1:3002:3002'",
        '  - 9094:9094',
        'items:',
        '  - name: one',
        '    value: 1',
        '  - name: two',
        "flow: ['CMD', 'a,b']",
        'multi:',
        '  [',
        "    'x',",
        '    "y",',
        '  ]',
        'url: http://host:8123',
        'empty:',
      ].join('\n'),
    );
    assert.deepEqual(doc, {
      a: 'plain value',
      b: "it's # not a comment",
      c: 'x: y',
      list: ['127.0.0.1:3002:3002', '9094:9094'],
      items: [{ name: 'one', value: '1' }, { name: 'two' }],
      flow: ['CMD', 'a,b'],
      multi: ['x', 'y'],
      url: 'http://host:8123',
      empty: null,
    });
  });

  it('merges anchors with <<, keys written in the map winning', () => {
    const doc = parseYaml(
      ['base: &base', '  A: one', '  B: two', 'svc:', '  env:', '    <<: *base', '    B: mine'].join('\n'),
    );
    assert.deepEqual(doc, { base: { A: 'one', B: 'two' }, svc: { env: { B: 'mine', A: 'one' } } });
  });

  it('splits documents at ---', () => {
    assert.deepEqual(parseYamlDocuments('a: 1\n---\nb: 2\n'), [{ a: '1' }, { b: '2' }]);
  });

  it('refuses what it does not read, instead of reading it wrongly', () => {
    assert.throws(() => parseYaml('a: |\n  text\n'));
    assert.throws(() => parseYaml('a: {b: 1}\n'));
    assert.throws(() => parseYaml('a:\n- x\n'));
    assert.throws(() => parseYaml('a: 1\na: 2\n'));
    assert.throws(() => parseYaml('a: *missing\n'));
  });
});
