/**
 * The core sees packages only through opaque integer ids handed out by the
 * provider. Keeping them plain numbers lets the provider index its own arrays
 * with them and keeps the solver free of any package semantics.
 */

/** A package name (e.g. every record of "numpy" shares one NameId). */
export type NameId = number;

/** One installable candidate: a single record of a name. */
export type SolvableId = number;

/** A requirement on one name (e.g. "numpy >=1.26"); matched by a subset of that name's candidates. */
export type VersionSetId = number;
