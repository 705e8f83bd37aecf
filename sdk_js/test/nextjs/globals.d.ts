// What Next gives the example besides its modules: environment variables, inlined at build time.
declare const process: { env: { [name: string]: string | undefined } };
