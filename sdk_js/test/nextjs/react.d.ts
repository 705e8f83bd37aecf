// Just enough of React's types (react, react/jsx-runtime) for examples/nextjs to compile.
export type ReactNode = JSX.Element | string | number | boolean | null | undefined | ReactNode[];

export function useEffect(effect: () => void | (() => void), deps?: readonly unknown[]): void;
export function useState<S>(initial: S): [S, (next: S) => void];
export function useRef<T>(initial: T): { current: T };
export function Suspense(props: { fallback?: ReactNode; children?: ReactNode }): JSX.Element;
export function Fragment(props: { children?: ReactNode }): JSX.Element;
export function jsx(type: unknown, props: unknown, key?: unknown): JSX.Element;
export function jsxs(type: unknown, props: unknown, key?: unknown): JSX.Element;

interface HtmlProps {
  children?: ReactNode;
  lang?: string;
  type?: "button" | "submit";
  onClick?: (event: MouseEvent) => void | Promise<void>;
}

export namespace JSX {
  interface Element {
    readonly jsx: true;
  }
  interface ElementChildrenAttribute {
    children: {};
  }
  interface IntrinsicElements {
    html: HtmlProps;
    body: HtmlProps;
    main: HtmlProps;
    h1: HtmlProps;
    p: HtmlProps;
    button: HtmlProps;
  }
}
