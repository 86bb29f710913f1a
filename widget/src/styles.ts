/**
 * The widget's styles, injected into its Shadow DOM root (no CSS file, nothing leaks into or
 * out of the page). Brand colour and font are custom properties set from the project's config;
 * the colours drawn on it or in it (--on, --on-soft, --avatar, --c-ink) are derived from it to
 * read at WCAG AA (contrast.ts). The defaults here are those of the default brand colour.
 */
export const CSS = `
:host{all:initial}
*{box-sizing:border-box}
.pw{--c:#4f46e5;--on:#fff;--on-soft:#dcdafa;--avatar:#3e37b3;--c-ink:#4f46e5;--f:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;--ink:#1c1d21;--mute:#6b6f7b;--line:#e6e7eb;--soft:#f4f5f7;--bad:#c62828;
font:15px/1.45 var(--f);color:var(--ink);position:fixed;right:20px;bottom:20px;z-index:2147483000;-webkit-font-smoothing:antialiased}
button,input,textarea{font:inherit;color:inherit}
button{cursor:pointer}
:focus-visible{outline:3px solid var(--c);outline-offset:2px}
.launcher{width:60px;height:60px;border-radius:50%;border:0;background:var(--c);color:var(--on);display:grid;place-items:center;box-shadow:0 6px 20px rgba(0,0,0,.22);transition:transform .15s ease;position:relative;margin-left:auto}
.launcher:hover{transform:scale(1.06)}
.launcher:focus-visible{outline-color:var(--ink)}
.badge{position:absolute;top:-3px;right:-3px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#d32f2f;color:#fff;font-size:12px;font-weight:700;line-height:22px;text-align:center;box-shadow:0 0 0 2px #fff}
.panel{position:absolute;right:0;bottom:76px;width:380px;height:min(620px,calc(100vh - 120px));background:#fff;border-radius:18px;box-shadow:0 12px 48px rgba(0,0,0,.24);display:flex;flex-direction:column;overflow:hidden;animation:pw-in .18s ease-out}
.panel[hidden]{display:none}
.panel.still{animation:none}
@keyframes pw-in{from{opacity:0;transform:translateY(12px)}}
@media (prefers-reduced-motion:reduce){.panel,.launcher,.dot{animation:none;transition:none}}
header{background:var(--c);color:var(--on);padding:14px 12px 14px 16px;display:flex;align-items:center;gap:12px;flex:none}
.avatar{width:40px;height:40px;border-radius:50%;background:var(--avatar);color:var(--on);display:grid;place-items:center;font-weight:700;font-size:14px;flex:none;letter-spacing:.5px}
.who{flex:1;min-width:0}
.who h2{margin:0;font-size:16px;font-weight:700;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.who p{margin:2px 0 0;font-size:13px;color:var(--on-soft);white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.x{width:44px;height:44px;border:0;border-radius:50%;background:transparent;color:var(--on);display:grid;place-items:center;flex:none}
.x:hover{background:rgba(255,255,255,.16)}
.x:focus-visible{outline-color:var(--on);outline-offset:-3px}
.status{background:#fff8e1;color:#6d4c00;font-size:13px;padding:6px 14px;border-bottom:1px solid #f3e3a6;display:flex;gap:8px;align-items:center}
.status[hidden]{display:none}
.thread{flex:1;overflow-y:auto;padding:16px 14px 8px;background:var(--soft);display:flex;flex-direction:column;gap:2px;overscroll-behavior:contain}
.thread:focus-visible{outline-offset:-3px}
.pw .thread>:first-child{margin-top:auto}
.hello{margin:auto 0 12px;text-align:center;color:var(--mute);font-size:14px;padding:12px 20px}
.hello b{display:block;color:var(--ink);font-size:17px;margin-bottom:4px}
.row{display:flex;align-items:flex-end;gap:8px;margin-top:2px}
.row.first{margin-top:10px}
.row.me{justify-content:flex-end}
.mini{width:28px;height:28px;border-radius:50%;background:var(--c);color:var(--on);font-size:11px;font-weight:700;display:grid;place-items:center;flex:none}
.gap{width:28px;flex:none}
.col{display:flex;flex-direction:column;max-width:78%;min-width:0}
.me .col{align-items:flex-end}
.name{font-size:12px;color:var(--mute);margin:0 0 3px 4px}
.bubble{padding:9px 13px;border-radius:18px;background:#fff;border:1px solid var(--line);white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word}
.them .bubble{border-bottom-left-radius:6px}
.me .bubble{background:var(--c);color:var(--on);border-color:transparent;border-bottom-right-radius:6px}
.bubble a{color:inherit;text-decoration:underline;text-underline-offset:2px}
.time{font-size:11px;color:var(--mute);margin:3px 6px 0}
.pending .bubble{opacity:.62}
.failed .bubble{background:#fff;color:var(--ink);border:1px dashed var(--bad)}
.note{font-size:12px;color:var(--mute);margin:3px 6px 0;display:flex;align-items:center;gap:6px;flex-wrap:wrap;justify-content:flex-end}
.note.bad{color:var(--bad)}
.link{border:0;background:none;padding:6px 6px;font-size:13px;font-weight:600;color:var(--c-ink);text-decoration:underline;min-height:40px}
.sys{align-self:center;max-width:88%;margin:12px 0 4px;padding:8px 14px;border-radius:12px;background:#fff;border:1px solid var(--line);color:#3d404a;font-size:13.5px;text-align:center;white-space:pre-wrap;overflow-wrap:anywhere}
.sys a{color:var(--c-ink)}
.sep{display:flex;align-items:center;gap:10px;color:var(--mute);font-size:12px;margin:14px 0 6px}
.sep::before,.sep::after{content:"";flex:1;height:1px;background:var(--line)}
.card{background:#fff;border:1px solid var(--line);border-radius:14px;overflow:hidden;width:240px;max-width:100%}
.card img{display:block;width:100%;height:130px;object-fit:cover;background:var(--soft)}
.card .in{padding:10px 12px 12px}
.card h3{margin:0 0 4px;font-size:15px;overflow-wrap:anywhere}
.card p{margin:0 0 10px;color:#3d404a;font-size:13.5px;white-space:pre-wrap;overflow-wrap:anywhere}
.btn{display:inline-flex;align-items:center;justify-content:center;gap:6px;min-height:40px;padding:8px 16px;border-radius:10px;border:0;background:var(--c);color:var(--on);font-weight:600;font-size:14px;text-decoration:none}
.btn[disabled]{opacity:.5;cursor:default}
.btn.ghost{background:#fff;color:var(--c-ink);border:1px solid var(--c)}
.file{display:flex;align-items:center;gap:10px;min-width:0}
.file .meta{min-width:0;flex:1}
.file .fn{font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;display:block}
.file .fs{font-size:12px;opacity:.8}
.file .dl{border:0;background:rgba(0,0,0,.06);color:inherit;border-radius:8px;padding:6px 10px;font-size:13px;min-height:40px}
.me .file .dl{background:rgba(255,255,255,.2)}
.preview{display:block;max-width:100%;max-height:220px;border-radius:10px;margin-top:8px}
.box{align-self:stretch;margin:10px 0 2px;background:#fff;border:1px solid var(--line);border-radius:14px;padding:10px 12px;box-shadow:0 1px 2px rgba(0,0,0,.04)}
.box h3{margin:0 0 2px;font-size:14px;line-height:1.35}
.box label{display:block;font-size:12.5px;color:var(--mute);margin:6px 0 0}
.two{display:flex;flex-wrap:wrap;gap:0 8px}
.two label{flex:1 1 130px;min-width:0}
.box input,.box textarea{display:block;width:100%;font-size:15px;color:var(--ink);border:1px solid #cfd2d9;border-radius:10px;padding:8px 11px;margin-top:3px;background:#fff;min-height:40px}
.box textarea{resize:vertical;min-height:56px}
.box [aria-invalid=true]{border-color:var(--bad)}
.box .btn{margin-top:10px;width:100%}
.acts{display:flex;align-items:center;gap:4px;margin-top:10px}
.box .acts .btn{margin:0;flex:1}
.acts .link{flex:none;padding:6px 10px}
.box .err{color:var(--bad);font-size:13px;margin:8px 0 0}
.box .ok{color:#2e7d32;font-size:14px;margin:0}
.scores{display:flex;gap:6px}
.scores button{flex:1;min-height:44px;border-radius:10px;border:1px solid #cfd2d9;background:#fff;font-weight:700;font-size:16px}
.scores button[aria-pressed=true]{background:var(--c);color:var(--on);border-color:var(--c)}
.q{border:0;margin:12px 0 0;padding:0;min-width:0}
.q legend,.box .q>label{display:block;padding:0;margin:0 0 5px;font-size:13.5px;font-weight:600;color:var(--ink)}
.req{font-weight:400;color:var(--mute)}
.picks{display:grid;grid-template-columns:repeat(var(--n),1fr);gap:6px}
.box .pick,.box .opt{margin:0;position:relative;color:var(--ink)}
.box .pick input{position:absolute;inset:0;width:100%;height:100%;min-height:0;margin:0;opacity:0;cursor:pointer}
.pick span{display:grid;place-items:center;min-height:44px;border:1px solid #cfd2d9;border-radius:10px;background:#fff;font-weight:700;font-size:15px}
.pick input:checked+span{background:var(--c);color:var(--on);border-color:var(--c)}
.pick input:focus-visible+span{outline:3px solid var(--c);outline-offset:2px}
.box .opt{display:flex;align-items:center;gap:10px;min-height:40px;font-size:14px;cursor:pointer}
.box .opt input{width:20px;height:20px;min-height:0;margin:0;flex:none;accent-color:var(--c)}
.q .err{margin:4px 0 0}
.composer{display:flex;align-items:flex-end;gap:8px;padding:10px 10px 12px 14px;border-top:1px solid var(--line);background:#fff;flex:none}
.composer textarea{flex:1;border:0;resize:none;max-height:140px;min-height:44px;padding:11px 4px;line-height:1.4;background:transparent;outline:0}
.composer:focus-within{box-shadow:inset 0 2px 0 var(--c)}
.composer textarea::placeholder{color:#8b8f99}
.sendb{width:44px;height:44px;border-radius:50%;border:0;background:var(--c);color:var(--on);display:grid;place-items:center;flex:none}
.sendb[disabled]{opacity:.4;cursor:default}
.cbs{flex:none;background:var(--soft);padding:0 12px 10px}
.cbs:empty{display:none}
.cbp{box-shadow:0 2px 10px rgba(0,0,0,.1)}
.hint{margin:4px 0 0;font-size:13px;color:var(--mute)}
.cbb{position:fixed;top:10px;left:50%;transform:translateX(-50%);display:flex;align-items:center;gap:8px;padding:6px 6px 6px 14px;border-radius:22px;background:#1c1d21;color:#fff;font-size:14px;box-shadow:0 0 0 2px #fff,0 6px 20px rgba(0,0,0,.3)}
.cbb[hidden]{display:none}
.dot{width:10px;height:10px;border-radius:50%;background:#ff5a4f;flex:none;animation:pw-blink .8s infinite alternate}
@keyframes pw-blink{to{opacity:.45}}
.cbb button{border:0;border-radius:16px;background:#fff;color:#1c1d21;font-weight:700;font-size:13px;min-height:32px;padding:4px 14px}
.cbb :focus-visible{outline-color:#fff}
.pw.cb .panel{height:min(620px,calc(100vh - 180px))}
.sr{position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
@media (max-width:480px){
.pw{right:14px;bottom:14px}
.panel{position:fixed;inset:0;width:auto;height:auto;border-radius:0;bottom:0}
.pw.open .launcher{display:none}
.col{max-width:84%}
.composer{padding-bottom:max(12px,env(safe-area-inset-bottom))}
.pw input,.pw textarea{font-size:16px}
.cbb{top:0;left:0;right:0;transform:none;min-height:48px;border-radius:0;justify-content:center}
.pw.cb .panel{top:48px;height:auto}
}
`;
