"use client";
// Starts Gapwise in the browser and sends a page view per route: the app router changes pages without
// loading them, so the route's path and query string, read from the router, say when.
import { usePathname, useSearchParams } from "next/navigation";
import { Suspense, useEffect, useRef, type ReactNode } from "react";

import { gapwise, pageView } from "../lib/gapwise";

function PageViews() {
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const route = pathname + "?" + searchParams.toString();
  const sent = useRef<string | null>(null); // Strict Mode runs effects twice in development: one view a route
  useEffect(() => {
    if (sent.current === route) return;
    sent.current = route;
    pageView(pathname);
  }, [pathname, route]);
  return null;
}

export function GapwiseProvider({ children }: { children: ReactNode }) {
  useEffect(() => {
    gapwise(); // once: the tracker starts (a second call, as Strict Mode makes, returns the same one)
  }, []);
  return (
    <>
      {/* useSearchParams needs a Suspense boundary, so the page around it can still render on the server. */}
      <Suspense fallback={null}>
        <PageViews />
      </Suspense>
      {children}
    </>
  );
}
