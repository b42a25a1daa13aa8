import fc from 'fast-check';
import { formatImageRef, type ImageRef, parseImageRef, retagImage } from '../../../lambdas/shared/config/image-ref';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('parseImageRef', () => {
  test.each<[string, ImageRef]>([
    ['nginx', { name: 'nginx', tag: null, digest: null }],
    ['nginx:1.27', { name: 'nginx', tag: '1.27', digest: null }],
    ['library/nginx:latest', { name: 'library/nginx', tag: 'latest', digest: null }],
    ['host:5000/ns/repo:abc1234', { name: 'host:5000/ns/repo', tag: 'abc1234', digest: null }],
    ['host:5000/ns/repo', { name: 'host:5000/ns/repo', tag: null, digest: null }],
    [`repo@${DIGEST}`, { name: 'repo', tag: null, digest: DIGEST }],
    [`repo:abc1234@${DIGEST}`, { name: 'repo', tag: 'abc1234', digest: DIGEST }],
    [`host:5000/repo:v1@${DIGEST}`, { name: 'host:5000/repo', tag: 'v1', digest: DIGEST }],
    [
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:0123abc',
      { name: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/api', tag: '0123abc', digest: null },
    ],
  ])('parses %s', (image, expected) => {
    expect(parseImageRef(image)).toEqual(expected);
  });
});

describe('retagImage', () => {
  // The original split on every ':' and produced "host5000/ns/repo:<sha>" and "repo@sha256:<sha>".
  test.each([
    ['host:5000/ns/repo:old', 'host:5000/ns/repo:abc1234'],
    ['host:5000/ns/repo', 'host:5000/ns/repo:abc1234'],
    ['repo', 'repo:abc1234'],
    [`repo@${DIGEST}`, 'repo:abc1234'],
    [`repo:old@${DIGEST}`, 'repo:abc1234'],
  ])('retags %s as %s', (image, expected) => {
    expect(retagImage(image, 'abc1234')).toBe(expected);
  });
});

const component = fc.stringMatching(/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/);
const host = fc.tuple(
  fc.stringMatching(/^[a-z0-9]+(?:\.[a-z0-9]+)*$/),
  fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
);
const imageRef: fc.Arbitrary<ImageRef> = fc.record({
  name: fc
    .tuple(fc.option(host, { nil: undefined }), fc.array(component, { minLength: 1, maxLength: 3 }))
    .map(([h, path]) => `${h ? `${h[0]}${h[1] === undefined ? '' : `:${h[1]}`}/` : ''}${path.join('/')}`),
  tag: fc.option(fc.stringMatching(/^\w[\w.-]{0,127}$/), { nil: null }),
  digest: fc.option(fc.stringMatching(/^sha256:[0-9a-f]{64}$/), { nil: null }),
});

describe('image references (property)', () => {
  it('parse inverts format for every valid reference', () => {
    fc.assert(
      fc.property(imageRef, (ref) => {
        expect(parseImageRef(formatImageRef(ref))).toEqual(ref);
      }),
    );
  });

  it('retagging keeps the name and sets exactly the new tag', () => {
    fc.assert(
      fc.property(imageRef, fc.stringMatching(/^[0-9a-f]{7,40}$/), (ref, sha) => {
        expect(parseImageRef(retagImage(formatImageRef(ref), sha))).toEqual({ name: ref.name, tag: sha, digest: null });
      }),
    );
  });
});
