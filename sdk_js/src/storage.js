/** Key/value storage over localStorage that never throws: a key that cannot be stored lives in memory. */

export function createStore(getBacking) {
  const memory = {};
  let backing;
  try {
    backing = getBacking(); // reading window.localStorage itself throws when storage is blocked
  } catch (e) {}
  return {
    get(key) {
      if (key in memory) return memory[key];
      try {
        return backing.getItem(key);
      } catch (e) {} // undefined, like null: nothing stored
    },
    set(key, value) {
      try {
        backing.setItem(key, value);
        delete memory[key];
      } catch (e) {
        memory[key] = value; // disabled or over quota: this tab keeps going in memory
      }
    },
    /** The stored keys (those kept in memory are this tab's alone). */
    keys: () => Object.keys(backing || {}),
    del(key) {
      delete memory[key];
      try {
        backing.removeItem(key);
      } catch (e) {}
    },
  };
}
