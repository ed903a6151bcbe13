// The live event stream, read with fetch(): EventSource cannot send the bearer header
// that /api/v1/events/stream requires. Parses text/event-stream as the HTML standard says
// and reconnects after the server's retry interval until stopped.

import { authHeaders, errorFrom } from "./api.js";

/** A push parser: feed it decoded text, it calls onEvent({event, data, id}) per message. */
export function eventStreamParser(onEvent, onRetry = () => {}) {
  let buffer = "";
  let event = "";
  let data = [];
  let id = "";

  function line(text) {
    if (text === "") {
      if (data.length) onEvent({ event: event || "message", data: data.join("\n"), id });
      event = "";
      data = [];
      return;
    }
    if (text.startsWith(":")) return; // comment (the hub's heartbeats)
    const colon = text.indexOf(":");
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id" && !value.includes("\0")) id = value;
    else if (field === "retry" && /^\d+$/.test(value)) onRetry(Number(value));
  }

  return function feed(chunk) {
    buffer += chunk;
    // A "\r" at the very end may be the first half of "\r\n": wait for the next chunk.
    const end = buffer.endsWith("\r") ? buffer.length - 1 : buffer.length;
    const lines = buffer.slice(0, end).split(/\r\n|\r|\n/);
    buffer = lines.pop() + buffer.slice(end);
    for (const text of lines) line(text);
  };
}

/** Keeps one stream open; onState("connecting" | "open" | "closed" | error). */
export class LiveStream {
  constructor({ path = "/api/v1/events/stream", onEvent, onState }) {
    this.path = path;
    this.onEvent = onEvent;
    this.onState = onState;
    this.retryMs = 3000;
    this.controller = null;
    this.timer = null;
  }

  start() {
    this.stop();
    this.controller = new AbortController();
    this.run(this.controller.signal);
  }

  stop() {
    clearTimeout(this.timer);
    if (this.controller) this.controller.abort();
    this.controller = null;
  }

  async run(signal) {
    this.onState("connecting");
    try {
      const response = await fetch(this.path, {
        headers: { ...authHeaders(), Accept: "text/event-stream" },
        signal,
        cache: "no-store",
      });
      if (!response.ok) {
        const error = await errorFrom(response);
        this.onState(error);
        if (error.status === 401 || error.status === 403) return; // retrying cannot help
        throw error;
      }
      this.onState("open");
      const feed = eventStreamParser(
        (message) => this.dispatch(message),
        (ms) => { this.retryMs = ms; },
      );
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        feed(value);
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error.status === undefined) console.warn("live stream:", error);
    }
    if (signal.aborted) return;
    this.onState("closed");
    this.timer = setTimeout(() => { if (!signal.aborted) this.run(signal); }, this.retryMs);
  }

  dispatch(message) {
    let payload;
    try {
      payload = JSON.parse(message.data);
    } catch {
      return; // not ours
    }
    this.onEvent(message.event, payload);
  }
}
