/**
 * Container image references, pure: split as Docker does, and the same image at another tag or digest.
 * Tag matching for autoDeploy lives beside this, in tag-pattern.ts.
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
 * dot or a port, or is `localhost`. So `123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v1` and a
 * local `web:v1` both come from repository `web`.
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
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
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

export const imageRepository = (image: string): string => parseImage(image).repository;

/** The image with the same registry and repository, at `tag` or pinned by `digest`. */
export const imageAt = (image: string, version: { tag: string } | { digest: string }): string => {
  const { registryPrefix, repository } = parseImage(image);
  return 'digest' in version
    ? `${registryPrefix}${repository}@${version.digest}`
    : `${registryPrefix}${repository}:${version.tag}`;
};
