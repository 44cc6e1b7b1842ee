import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ORG_MAX_LENGTH, ORG_PATTERN, orgProblem } from '../../../src/model/org.ts';

describe('org names', () => {
  it("takes letters, digits and ! - _ . * ' ( )", () => {
    for (const org of [
      'acme',
      'Acme-2',
      'team_a.prod',
      "o'brien(1)",
      'a*b!c',
      '...',
      'x'.repeat(ORG_MAX_LENGTH),
    ]) {
      assert.equal(orgProblem(org), undefined, org);
      assert.match(org, new RegExp(ORG_PATTERN), `the OpenAPI pattern agrees on ${org}`);
    }
  });

  it('refuses names that print alike or carry control characters, with INVALID_ORG', () => {
    for (const org of [
      ' acme ',
      'ac\u200bme', // zero-width space
      'acme\u202e', // right-to-left override
      'acme\u0000',
      'acme\r\nX-Injected: 1',
      '\u001b[31macme',
      'acmé',
      'a:b',
      'a/b',
      '.',
      '..',
    ]) {
      assert.equal(orgProblem(org)?.code, 'INVALID_ORG', JSON.stringify(org));
      assert.doesNotMatch(
        org,
        new RegExp(ORG_PATTERN),
        `the OpenAPI pattern agrees on ${JSON.stringify(org)}`,
      );
    }
  });

  it('refuses a name longer than 150 characters with TOO_LONG', () => {
    assert.equal(orgProblem('x'.repeat(ORG_MAX_LENGTH + 1))?.code, 'TOO_LONG');
  });
});
