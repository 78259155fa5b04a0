import { createStaticResolver, createSystemResolver } from '../../src/probe/resolver';

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('createSystemResolver', () => {
  const resolver = createSystemResolver();

  it('answers an IP literal with itself, brackets removed', async () => {
    await expect(resolver.resolve('127.0.0.1')).resolves.toEqual(['127.0.0.1']);
    await expect(resolver.resolve('[::1]')).resolves.toEqual(['::1']);
    await expect(resolver.resolve('2001:db8::1')).resolves.toEqual(['2001:db8::1']);
  });

  it('reads /etc/hosts, so localhost resolves to loopback', async () => {
    const addresses = await resolver.resolve('localhost');
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.every((address) => address === '::1' || address.startsWith('127.'))).toBe(true);
  });
});

describe('createStaticResolver', () => {
  const resolver = createStaticResolver({ 'App.Test': ['127.0.0.1', '::1'], 'empty.test': [] });

  it('answers from the table, ignoring case and a trailing dot', async () => {
    await expect(resolver.resolve('app.test')).resolves.toEqual(['127.0.0.1', '::1']);
    await expect(resolver.resolve('APP.TEST.')).resolves.toEqual(['127.0.0.1', '::1']);
  });

  it('hands out copies, so a caller cannot edit the table', async () => {
    const first = await resolver.resolve('app.test');
    first.push('10.0.0.1');
    await expect(resolver.resolve('app.test')).resolves.toEqual(['127.0.0.1', '::1']);
  });

  it('answers IP literals with themselves', async () => {
    await expect(resolver.resolve('10.0.0.1')).resolves.toEqual(['10.0.0.1']);
    await expect(resolver.resolve('[fe80::1]')).resolves.toEqual(['fe80::1']);
  });

  it.each([['unknown.test'], ['empty.test']])('rejects %s with code ENOTFOUND', async (host) => {
    const error = await rejectionOf(resolver.resolve(host));
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: 'ENOTFOUND', hostname: host });
  });
});
