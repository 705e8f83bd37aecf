// Just enough of Next's types (next/navigation, next/link) for examples/nextjs to compile.
import type { JSX, ReactNode } from "./react";

export function usePathname(): string;
export function useSearchParams(): URLSearchParams;
export default function Link(props: { href: string; children?: ReactNode }): JSX.Element;
