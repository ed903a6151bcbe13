// A small hash router: "#/place/wuxi-binhu" shows the view registered for "place/:code"
// with {code: "wuxi-binhu"}. A view is a module's default export:
//
//   export default {
//     nav: "places",                      // the nav link it lights up (optional)
//     async mount(root, params, ctx) {     // render into root; return a controller
//       return { refresh() {}, onLive(type, event) {}, unmount() {} };  // all optional
//     },
//   };
//
// Register views with route(); the first route is the default ("#/" and unknown hashes).

const routes = [];

export function route(pattern, view) {
  const names = [];
  const source = pattern
    .split("/")
    .map((part) => {
      if (part.startsWith(":")) {
        names.push(part.slice(1));
        return "([^/]+)";
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  routes.push({ pattern, regex: new RegExp(`^${source}$`), names, view });
}

/** The hash for a route and its parameters: link("place/:code", {code}) */
export function link(pattern, params = {}) {
  return `#/${pattern.replace(/:(\w+)/g, (_, name) => encodeURIComponent(params[name]))}`;
}

export function match(hash) {
  const path = hash.replace(/^#\/?/, "");
  const legacy = /^device=(.+)$/.exec(path); // links of the earlier page
  const wanted = legacy ? `device/${legacy[1]}` : path;
  for (const entry of routes) {
    const found = entry.regex.exec(wanted);
    if (found) {
      const params = Object.fromEntries(entry.names.map((n, i) => [n, decodeURIComponent(found[i + 1])]));
      return { entry, params };
    }
  }
  return routes.length ? { entry: routes[0], params: {} } : null;
}

/** Mounts the view of the current hash into root, unmounting the previous one. */
export class Router {
  constructor(root, context) {
    this.root = root;
    this.context = context;
    this.controller = null;
    this.entry = null;
    this.generation = 0;
    this.onHash = () => this.show();
  }

  start() {
    window.addEventListener("hashchange", this.onHash);
    return this.show();
  }

  stop() {
    window.removeEventListener("hashchange", this.onHash);
    this.unmount();
  }

  unmount() {
    this.controller?.unmount?.();
    this.controller = null;
    this.root.replaceChildren();
  }

  async show() {
    const found = match(location.hash);
    if (!found) return;
    const generation = ++this.generation;
    this.unmount();
    this.entry = found.entry;
    for (const a of document.querySelectorAll("[data-nav]")) {
      a.toggleAttribute("aria-current", a.dataset.nav === found.entry.view.nav);
    }
    const container = document.createElement("div");
    container.className = "view-body";
    container.dataset.view = found.entry.pattern.split("/")[0] || "home";
    this.root.append(container);
    try {
      const controller = await found.entry.view.mount(container, found.params, this.context);
      if (generation !== this.generation) {
        controller?.unmount?.();
        return;
      }
      this.controller = controller ?? null;
    } catch (error) {
      if (generation === this.generation) this.context.fail(error, container);
    }
  }

  refresh() {
    return this.controller?.refresh?.();
  }

  onLive(type, event) {
    this.controller?.onLive?.(type, event);
  }
}
