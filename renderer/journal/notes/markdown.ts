import DOMPurify from 'dompurify';
import { Marked } from 'marked';

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// A journal may come from someone else: HTML in notes is shown as the text that was typed, never parsed,
// and only http(s) links become links (others keep their text).
const markdown = new Marked({ gfm: true });
markdown.use({
  renderer: {
    html: ({ text }) => escapeHtml(text),
    link({ href, title, tokens }) {
      const text = this.parser.parseInline(tokens);
      const url = externalUrl(href);
      if (!url) return text;
      return `<a href="${escapeHtml(url)}"${title ? ` title="${escapeHtml(title)}"` : ''}>${text}</a>`;
    },
  },
});

/** Notes as safe HTML: markdown with raw HTML escaped, then sanitised in case something still slips through. */
export function renderMarkdown(source: string): string {
  return DOMPurify.sanitize(markdown.parse(source, { async: false }));
}

/** The link to open in the system browser, if it is one we open: only http and https. */
export function externalUrl(href: string | null): string | null {
  if (!href) return null;
  try {
    const url = new URL(href);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}
