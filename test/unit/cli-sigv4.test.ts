import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signRequest } from '../../client/sigv4';

// AWS's published SigV4 test suite (aws-sig-v4-test-suite): its credentials, date, region and service.
const SUITE = {
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  region: 'us-east-1',
  service: 'service',
  signingDate: new Date('2015-08-30T12:36:00Z'),
  contentSha256Header: false,
};

describe('SigV4 signing (the SDK signer, as the CLI uses it)', () => {
  it('matches the get-vanilla test vector', async () => {
    const headers = await signRequest(
      { method: 'GET', url: 'https://example.amazonaws.com/', headers: {} },
      SUITE,
    );
    expect(headers['x-amz-date']).toBe('20150830T123600Z');
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });

  it('matches the post-vanilla test vector', async () => {
    const headers = await signRequest(
      { method: 'POST', url: 'https://example.amazonaws.com/', headers: {} },
      SUITE,
    );
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b',
    );
  });

  it('signs an API Gateway request for execute-api with the session token and the body hash', async () => {
    const body = JSON.stringify({ image: 'nginx:1.28' });
    const headers = await signRequest(
      {
        method: 'POST',
        url: 'https://abc123.execute-api.eu-west-1.amazonaws.com/clusters/default/services/web/deployments',
        headers: { 'content-type': 'application/json' },
        body,
      },
      {
        credentials: { ...SUITE.credentials, sessionToken: 'session-token-example' },
        region: 'eu-west-1',
        signingDate: new Date('2026-11-25T12:00:00Z'),
      },
    );
    expect(headers.host).toBe('abc123.execute-api.eu-west-1.amazonaws.com');
    expect(headers['x-amz-date']).toBe('20261125T120000Z');
    expect(headers['x-amz-security-token']).toBe('session-token-example');
    expect(headers['x-amz-content-sha256']).toBe(createHash('sha256').update(body).digest('hex'));
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261125\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
  });
});
