// The Node version the CLI needs (package.json "engines"), checked before anything
// else loads, so an old Node says so instead of failing on a missing API later.
export const MIN_NODE = [20, 19];

/** null when `version` (e.g. "20.19.0" or "v22.1.0") is new enough, else the message to print. */
export function nodeVersionProblem(version, min = MIN_NODE) {
  const [major, minor] = String(version).replace(/^v/, '').split('.').map(Number);
  if (!Number.isFinite(major) || !Number.isFinite(minor))
    return `ifrlab: cannot read the Node version '${version}'; Node >= ${min.join('.')} is needed`;
  if (major > min[0] || (major === min[0] && minor >= min[1])) return null;
  return `ifrlab needs Node >= ${min.join('.')}; this is Node ${version}. Install a newer Node (https://nodejs.org) and run again.`;
}
