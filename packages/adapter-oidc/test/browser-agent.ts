// A minimal user agent for the tests: a cookie jar honouring cookie paths, and redirects followed
// by hand so each hop can be inspected.

interface StoredCookie {
  value: string;
  path: string;
}

export class BrowserAgent {
  private readonly cookies = new Map<string, StoredCookie>();
  private readonly origin: string;

  constructor(origin: string) {
    this.origin = origin;
  }

  setCookie(name: string, value: string): void {
    this.cookies.set(name, { value, path: "/" });
  }

  cookieHeader(path: string): string {
    return [...this.cookies.entries()]
      .filter(([, cookie]) => path.startsWith(cookie.path))
      .map(([name, cookie]) => `${name}=${cookie.value}`)
      .join("; ");
  }

  /** One request, no redirect followed; remembers the cookies it sets. */
  async request(
    url: string,
    init: { method?: string; form?: Record<string, string>; accept?: string } = {},
  ): Promise<Response> {
    const target = new URL(url, this.origin);
    const headers: Record<string, string> = { accept: init.accept ?? "text/html" };
    const cookie = this.cookieHeader(target.pathname);
    if (cookie !== "") headers.cookie = cookie;
    if (init.form !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
    const response = await fetch(target, {
      method: init.method ?? (init.form === undefined ? "GET" : "POST"),
      headers,
      redirect: "manual",
      ...(init.form === undefined ? {} : { body: new URLSearchParams(init.form) }),
    });
    for (const line of response.headers.getSetCookie()) this.store(line);
    return response;
  }

  private store(line: string): void {
    const [pair = "", ...attributes] = line.split(";").map((part) => part.trim());
    const separator = pair.indexOf("=");
    const name = pair.slice(0, separator);
    const value = pair.slice(separator + 1);
    const path = attributes.find((a) => a.toLowerCase().startsWith("path="))?.slice(5) ?? "/";
    const expired = attributes.some((a) => /^max-age=0$/i.test(a) || /^expires=thu, 01 jan 1970/i.test(a));
    if (expired || value === "") this.cookies.delete(name);
    else this.cookies.set(name, { value, path });
  }
}

/** Where a redirect goes, or null when the response is not one. */
export function locationOf(response: Response): string | null {
  return response.status >= 300 && response.status < 400 ? response.headers.get("location") : null;
}

/** The value of a hidden input in a page (the library's CSRF field). */
export function hiddenInput(html: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (match?.[1] === undefined) throw new Error(`no hidden input ${name} in ${html}`);
  return match[1];
}
