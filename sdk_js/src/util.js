/** Small helpers shared by the tracker's modules. */

export const noop = () => {};

/** A random (version 4) UUID; crypto.getRandomValues works in insecure contexts too, unlike randomUUID. */
export const uuid = () =>
  "10000000-1000-4000-8000-100000000000".replace(/[018]/g, (c) =>
    (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16),
  );

/** The UTF-8 length of a string: what a request body limit counts. */
export const bytes = (text) => new Blob([text]).size;

/** `value` if it is a plain JSON-like object, otherwise a fresh empty object (the server wants objects). */
export const obj = (value) => (value && typeof value == "object" && !Array.isArray(value) ? value : {});
