/** C4: CSS from a visitor's page, unable to fetch anything (css.ts). */
import { describe, expect, it } from "vitest";
import { cleanCss, decodeEscapes, isCleanCss, PLACEHOLDER_IMAGE } from "./css";

const site = (url: string) => (url.startsWith("https://shop.example.com/") ? PLACEHOLDER_IMAGE : null);

describe("cleanCss", () => {
  it("leaves CSS that names nothing alone", () => {
    const css = `body{margin:0;font:15px/1.5 system-ui}a:hover{color:#123}@media (max-width:600px){.x{display:none}}
      .q::before{content:"url(not fetched) @import neither"}/* url(http://in.a.comment) */`;
    expect(cleanCss(css)).toBe(css);
    expect(isCleanCss(css)).toBe(true);
  });

  it.each([
    ["background:url(https://evil.test/a.png)", "background:none"],
    ['background:url("https://evil.test/a.png") no-repeat', "background:none no-repeat"],
    ["background:URL( 'https://evil.test/a.png' )", "background:none"],
    ["background:Url(//evil.test/a.png)", "background:none"],
    ["background:url(/relative.png)", "background:none"],
    ['background:url("https://evil.test/a).png")', "background:none"],
    ["cursor:url(https://evil.test/c.cur),auto", "cursor:none,auto"],
    ["@font-face{font-family:E;src:url(https://evil.test/f.woff2) format('woff2')}", "@font-face{font-family:E;src:none format('woff2')}"],
    ['.h{background-image:image-set("https://evil.test/h.png" 1x)}', ".h{background-image:none}"],
    ['.h{background-image:-webkit-image-set(url(https://evil.test/h.png) 1x)}', ".h{background-image:none}"],
    ['.h{background:src("https://evil.test/h.png")}', ".h{background:none}"],
    [".h{width:expression(alert(1))}", ".h{width:none}"],
    [".h{background:-moz-element(#x)}", ".h{background:none}"],
    ["--bg:url(https://evil.test/var.png);background:var(--bg)", "--bg:none;background:var(--bg)"],
    ["list-style:url(javascript:alert(1))", "list-style:none"],
  ])("%s → %s", (css, clean) => {
    expect(cleanCss(css)).toBe(clean);
  });

  it("removes @import rules, in every spelling", () => {
    expect(cleanCss('@import url("https://evil.test/i.css");body{color:red}')).toBe("body{color:red}");
    expect(cleanCss('@IMPORT "https://evil.test/i.css" screen;\nbody{color:red}')).toBe("\nbody{color:red}");
    expect(cleanCss("@import url(https://evil.test/a;b.css) screen;a{b:c}")).toBe("a{b:c}");
    expect(cleanCss('@import "x.css"')).toBe("");
  });

  it("keeps what never leaves the machine: fragments (SVG paint servers), inline images and fonts", () => {
    for (const css of [
      "fill:url(#gradient)",
      'fill:url("#g")',
      "background:url(data:image/png;base64,iVBORw0KGgo=)",
      'background:url("data:image/svg+xml,%3Csvg%3E%3C/svg%3E")',
      "@font-face{src:url(data:font/woff2;base64,d09GMgAB)}",
    ]) {
      expect(cleanCss(css)).toBe(css);
    }
    expect(cleanCss("background:url(data:text/html,<script>alert(1)</script>)")).not.toContain("data:text/html");
  });

  it("writes the brand's site images as the site check says (the desk's address, or the placeholder)", () => {
    expect(cleanCss("background:url(https://shop.example.com/hero.jpg)", site)).toBe(`background:url("${PLACEHOLDER_IMAGE}")`);
    expect(cleanCss("background:url(https://shop.example.com.evil.test/hero.jpg)", site)).toBe("background:none");
    const desk = (url: string) => (url.startsWith("https://shop.example.com/") ? `pupitre-asset://localhost/${encodeURIComponent(url)}` : null);
    expect(cleanCss("@font-face{src:url('https://shop.example.com/f.woff2')}", desk)).toBe(
      '@font-face{src:url("pupitre-asset://localhost/https%3A%2F%2Fshop.example.com%2Ff.woff2")}',
    );
    // An address that could end the quoted string is never written.
    expect(cleanCss("background:url(https://shop.example.com/a.png)", () => 'x")}body{background:url(https://evil.test/')).toBe("background:none");
  });

  it("refuses what CSS escapes would spell (u\\72l, \\75 rl, @\\69mport, escaped quotes)", () => {
    for (const css of [
      ".e{background:u\\72l(https://evil.test/e.png)}",
      ".e{background:\\75 rl(https://evil.test/e.png)}",
      ".e{background:\\000075rl(https://evil.test/e.png)}",
      "@\\69mport 'https://evil.test/i.css';",
      ".e{background:image-s\\65t('https://evil.test/i.png' 1x)}",
    ]) {
      expect(cleanCss(css)).toBe("");
    }
    // Escapes that spell nothing fetched stay.
    expect(cleanCss('.a::before{content:"\\201C"}')).toBe('.a::before{content:"\\201C"}');
  });

  it("does not let a string or comment hide the end of a url()", () => {
    expect(cleanCss("a{background:url('x)') ;color:red}")).toBe("a{background:none ;color:red}");
    expect(cleanCss("a{background:url(https://evil.test/a.png/*)*/);color:red}")).not.toContain("evil.test");
    // An unterminated url() takes the rest with it rather than leaving a URL behind.
    expect(cleanCss("a{background:url(https://evil.test/never-closed")).toBe("a{background:none");
  });

  it("decodes escapes as CSS does", () => {
    expect(decodeEscapes("\\75 rl")).toBe("url");
    expect(decodeEscapes("\\000075rl")).toBe("url");
    expect(decodeEscapes("\\(\\)")).toBe("()");
    expect(decodeEscapes("a\\\nb")).toBe("ab");
  });
});
