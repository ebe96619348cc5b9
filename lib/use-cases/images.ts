/**
 * Container image references, pure: split as Docker does, where an image comes from (registry and
 * repository, with Docker's defaults), and the same image at another tag or digest. Tag matching for
 * autoDeploy lives beside this, in tag-pattern.ts.
 */

export interface ImageReference {
  /** Everything before the repository: `123456789012.dkr.ecr.us-east-1.amazonaws.com/`, or empty. */
  registryPrefix: string;
  /** `web`, `team/web`. */
  repository: string;
  tag?: string;
  digest?: string;
}

/**
 * Splits an image reference as Docker does: the first path component is a registry host when it has a
 * dot, a port or an upper-case letter, or is `localhost`. The parts are as written (`web:v1` has no
 * registry and repository `web`); imageSource applies Docker's defaults.
 */
export const parseImage = (image: string): ImageReference => {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  let registryPrefix = '';
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (
      first.includes('.') ||
      first.includes(':') ||
      first === 'localhost' ||
      first !== first.toLowerCase()
    ) {
      registryPrefix = `${first}/`;
      rest = rest.slice(slash + 1);
    }
  }
  return {
    registryPrefix,
    repository: rest,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
};

/** Where an image comes from, normalised: two references to one repository have equal sources. */
export interface ImageSource {
  /** The registry host: `docker.io` when the reference names none. */
  registry: string;
  /** The repository in that registry: `library/nginx` for Docker Hub's `nginx`. */
  repository: string;
}

const DOCKER_HUB = 'docker.io';
/** Docker's own aliases of Docker Hub. */
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
/** A private ECR registry's host, FIPS or not: the same registry either way. */
const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

/**
 * The registry and repository an image comes from, with Docker's defaults: no registry is Docker Hub
 * (`docker.io`, also spelt `index.docker.io`), whose one-component repositories are under `library/`;
 * tags and digests are dropped. So `nginx:1.27`, `docker.io/library/nginx` and
 * `index.docker.io/nginx@sha256:...` are one source, and `<account>.dkr.ecr.<region>.amazonaws.com/nginx`
 * is another.
 */
export const imageSource = (image: string): ImageSource => {
  const { registryPrefix, repository } = parseImage(image);
  const host = registryPrefix.slice(0, -1).toLowerCase();
  if (host === '' || DOCKER_HUB_ALIASES.has(host)) {
    return {
      registry: DOCKER_HUB,
      repository: repository.includes('/') ? repository : `library/${repository}`,
    };
  }
  const ecr = ECR_HOST.exec(host);
  return { registry: ecr ? ecrRegistry(ecr[1]!, ecr[2]!) : host, repository };
};

/** The host of an account's private ECR registry in a region: the one an ECR push event names. */
export const ecrRegistry = (account: string, region: string): string =>
  `${account}.dkr.ecr.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;

export const sameSource = (a: ImageSource, b: ImageSource): boolean =>
  a.registry === b.registry && a.repository === b.repository;

/** The image with the same registry and repository, at `tag` or pinned by `digest`. */
export const imageAt = (image: string, version: { tag: string } | { digest: string }): string => {
  const { registryPrefix, repository } = parseImage(image);
  return 'digest' in version
    ? `${registryPrefix}${repository}@${version.digest}`
    : `${registryPrefix}${repository}:${version.tag}`;
};
