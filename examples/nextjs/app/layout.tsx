import type { ReactNode } from "react";

import { GapwiseProvider } from "./gapwise-provider";

export const metadata = { title: "Acme Reports" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <GapwiseProvider>{children}</GapwiseProvider>
      </body>
    </html>
  );
}
