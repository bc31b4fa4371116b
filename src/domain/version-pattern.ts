/**
 * The text form of a version: Semantic Versioning 2.0.0 core with optional pre-release and build
 * parts (https://semver.org, §2, §9, §10). Used by the database CHECKs (src/db/schema/columns.ts)
 * and request validation alike; src/domain/semver.ts compares versions.
 */
export const SEMVER_PATTERN =
  "^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?(\\+[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?$";
