"use client";
// A page with a sign-in, a feature and a sign-out: what each tells Gapwise.
import Link from "next/link";
import { useState } from "react";

import { signedIn, signedOut, track, type User } from "../lib/gapwise";

const ADA: User = { id: "user-42", email: "ada@example.com", plan: "team", account: { id: "acme", name: "Acme", mrr: 990 } };

export default function Home() {
  const [user, setUser] = useState<User | null>(null);

  function signIn() {
    setUser(ADA);
    signedIn(ADA); // a real app calls this after its sign-in succeeds, and on load for an existing session
  }

  async function signOut() {
    await signedOut();
    setUser(null);
  }

  return (
    <main>
      <h1>Reports</h1>
      {user ? (
        <>
          <p>Signed in as {user.email}</p>
          <button type="button" onClick={() => track("Report Exported", { format: "pdf" })}>
            Export as PDF
          </button>
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </>
      ) : (
        <button type="button" onClick={signIn}>
          Sign in as Ada
        </button>
      )}
      <p>
        <Link href="/?tab=alerts">Alerts tab</Link> (a route change without a page load: one page view)
      </p>
    </main>
  );
}
