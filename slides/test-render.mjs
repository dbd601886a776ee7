// test-render.mjs - every deck of slides/html/ in a real headless browser
// (Debian's Chromium, driven by playwright-core): exit 1 when a slide's
// content leaves its frame (into the footer's and the page number's strip,
// or past an edge), when a code block or table is cut, when a Korean
// character is drawn as a box or by a font the style sheet does not name,
// when a picture does not load, when a quote in a shell block colours the
// rest of it as a string, when a deck's title slide has no Korean, or when
// a deck fetches anything from the network.
//
//   node slides/test-render.mjs [--screenshots DIR] [DECK.html...]
//
// `make test-slides` runs it after `make slides`.  Before the decks it
// proves that both checks can fail: a probe slide that overflows, and a
// browser that sees no CJK font, must each be caught.
//
// Needs Chromium (apt-get install chromium; CHROME_PATH picks another)
// and fontconfig's fc-list, which Chromium depends on on Linux.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const SLIDES = dirname(fileURLToPath(import.meta.url));
const BROWSER = process.env.CHROME_PATH || '/usr/bin/chromium';
// Nothing but the page: no updates, no sync, no first-run screens.
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
	'--disable-component-update', '--disable-sync', '--no-first-run'];
// Marp's slides are 1280 x 720: a viewport of that size draws them 1:1.
const VIEWPORT = { width: 1280, height: 720 };
// A rectangle may leave its box by this much (subpixel rounding).
const SLACK = 1.5;
const HANGUL = /[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]+/;

// ---- Fonts: which installed family has which characters ----------------

// fc-list's charset is hex ranges, "20-7e a0-17f 3000": only Hangul matters.
function coversHangul(charset) {
	const ranges = charset.split(' ').filter(Boolean).map(r => {
		const [lo, hi] = r.split('-').map(h => parseInt(h, 16));
		return [lo, hi ?? lo];
	});
	return ch => ranges.some(([lo, hi]) => ch >= lo && ch <= hi);
}

function fontCoverage(env) {
	const out = execFileSync('fc-list', ['--format', '%{family}\t%{charset}\n'],
		{ env, encoding: 'utf8', maxBuffer: 64 << 20 });
	const families = new Map(); // family name -> [covers(codepoint)]
	for (const line of out.split('\n')) {
		const [names, charset] = line.split('\t');
		if (!charset)
			continue;
		const covers = coversHangul(charset);
		for (const name of names.split(','))
			families.set(name, [...(families.get(name) || []), covers]);
	}
	return (family, ch) => (families.get(family) || []).some(c => c(ch));
}

// ---- In the page: the layout of every slide --------------------------

// Runs in the browser, on the slide shown.  Returns one line per problem.
function layoutProblems([n, slack]) {
	const problems = [];
	const box = el => el.getBoundingClientRect();
	const overlaps = (a, b) => a.left < b.right - slack && b.left < a.right - slack &&
		a.top < b.bottom - slack && b.top < a.bottom - slack;
	const name = el => el.tagName.toLowerCase() +
		(el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '');
	const excerpt = el => (el.textContent.trim() || el.getAttribute('alt') ||
		el.querySelector('img')?.getAttribute('alt') || '')
		.replace(/\s+/g, ' ').trim().slice(0, 50);

	document.querySelectorAll(`section[data-marpit-pagination="${n}"]`).forEach(section => {
		const where = 'slide ' + section.dataset.marpitPagination;
		const s = box(section);
		const style = getComputedStyle(section);
		// The content box: inside the padding, above the footer's strip.
		const inner = {
			left: s.left + parseFloat(style.paddingLeft),
			right: s.right - parseFloat(style.paddingRight),
			top: s.top + parseFloat(style.paddingTop),
			bottom: s.bottom - parseFloat(style.paddingBottom),
		};
		if (section.scrollHeight > section.clientHeight + slack ||
		    section.scrollWidth > section.clientWidth + slack)
			problems.push(`${where}: the content is ${section.scrollWidth}x${section.scrollHeight}` +
				` px, the slide ${section.clientWidth}x${section.clientHeight}`);
		const footer = section.querySelector(':scope > footer');
		const content = [...section.querySelectorAll('*')].filter(el =>
			!el.closest('footer, header') && box(el).width > 0 && box(el).height > 0);
		for (const el of content) {
			const r = box(el);
			if (r.left < inner.left - slack || r.right > inner.right + slack ||
			    r.top < inner.top - slack || r.bottom > inner.bottom + slack) {
				const parent = el.parentElement;
				// Report the outermost element that leaves, not each child.
				if (parent !== section && content.includes(parent)) {
					const p = box(parent);
					if (p.left < inner.left - slack || p.right > inner.right + slack ||
					    p.top < inner.top - slack || p.bottom > inner.bottom + slack)
						continue;
				}
				problems.push(`${where}: ${name(el)} "${excerpt(el)}" leaves the frame by ` +
					`${Math.round(Math.max(inner.left - r.left, r.right - inner.right,
						inner.top - r.top, r.bottom - inner.bottom))} px`);
			}
			if (footer && overlaps(r, box(footer)) && (el.tagName === 'PRE' ||
			    !content.includes(el.parentElement) || el.parentElement === section))
				problems.push(`${where}: the footer overlaps ${name(el)} "${excerpt(el)}"`);
			// A code block or table that scrolls hides part of itself.
			if (el.scrollWidth > el.clientWidth + slack && el.clientWidth > 0 &&
			    ['PRE', 'TABLE', 'CODE'].includes(el.tagName) &&
			    getComputedStyle(el).overflowX !== 'visible')
				problems.push(`${where}: ${name(el)} "${excerpt(el)}" is cut: ` +
					`${el.scrollWidth} px wide in ${el.clientWidth}`);
		}
		// In a shell line a lone apostrophe ("teacher's") opens a string
		// that the highlighter colours to the end of the block.
		section.querySelectorAll('code[class*="language-sh"] .hljs-string, ' +
		    'code.language-bash .hljs-string').forEach(str => {
			if (str.textContent.includes('\n'))
				problems.push(`${where}: a quote in a shell block opens a string that runs ` +
					`over lines: ${excerpt(str)}`);
		});
		section.querySelectorAll('img').forEach(img => {
			if (!img.complete || img.naturalWidth === 0)
				problems.push(`${where}: the picture ${img.getAttribute('src')} did not load`);
		});
	});
	return problems;
}

// Runs in the browser: each run of Hangul in its own <span data-hangul>
// that names its slide, so the browser can say which font drew it.
function markHangul(pattern) {
	const has = new RegExp(pattern);
	const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	const nodes = [];
	for (let n = walker.nextNode(); n; n = walker.nextNode())
		if (n.parentElement.closest('section') && has.test(n.data))
			nodes.push(n);
	for (const node of nodes) {
		const slide = node.parentElement.closest('section').dataset.marpitPagination;
		const frag = document.createDocumentFragment();
		// split() with a group keeps the runs, at the odd indexes.
		node.data.split(new RegExp('(' + pattern + ')')).forEach((part, i) => {
			if (i % 2 === 0) {
				frag.append(part);
				return;
			}
			const span = document.createElement('span');
			span.dataset.hangul = part;
			span.dataset.slide = slide;
			span.textContent = part;
			frag.append(span);
		});
		node.replaceWith(frag);
	}
}

// Every run of Hangul must be drawn by fonts that have its characters,
// and by a family the style sheet names (not only the system's fallback).
// The browser draws (and so can name the fonts of) only the slide shown.
async function glyphProblems(cdp, slide, covers) {
	const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
	const { nodeIds } = await cdp.send('DOM.querySelectorAll',
		{ nodeId: root.nodeId, selector: `span[data-slide="${slide}"]` });
	const problems = [];
	for (const nodeId of nodeIds) {
		const { attributes } = await cdp.send('DOM.getAttributes', { nodeId });
		const text = attributes[attributes.indexOf('data-hangul') + 1];
		const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
		const { computedStyle } = await cdp.send('CSS.getComputedStyleForNode', { nodeId });
		const stack = computedStyle.find(p => p.name === 'font-family').value
			.split(',').map(f => f.trim().replace(/^["']|["']$/g, ''));
		const where = `slide ${slide}: "${text}"`;
		const chars = [...text].map(c => c.codePointAt(0));
		const missing = chars.filter(ch => !fonts.some(f => covers(f.familyName, ch)));
		if (missing.length) {
			problems.push(`${where} is drawn as boxes: ` +
				`${fonts.map(f => f.familyName).join(', ') || 'no font'}` +
				` lack ${String.fromCodePoint(...missing.slice(0, 5))}`);
			continue;
		}
		const unnamed = fonts.filter(f => !stack.includes(f.familyName));
		if (unnamed.length)
			problems.push(`${where} falls back to ${unnamed.map(f => f.familyName).join(', ')},` +
				` which the style sheet does not name (font-family: ${stack.join(', ')})`);
	}
	return problems;
}

// ---- A deck ---------------------------------------------------------------

async function checkDeck(context, file, covers, screenshots) {
	const page = await context.newPage();
	// Offline: a slide that fetches anything is a problem of its own.
	const fetched = [];
	await page.route(/^(?!file:|data:)/, route => {
		fetched.push(route.request().url());
		return route.abort();
	});
	await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
	await page.evaluate(() => document.fonts.ready);
	const problems = [];
	// Every deck's title slide says it in Korean too, as the workshop did.
	if (!await page.evaluate(re => [...document.querySelectorAll(
		'section[data-marpit-pagination="1"] :is(h1, h2)')].some(h => new RegExp(re).test(h.textContent)),
		HANGUL.source))
		problems.push('slide 1: the title has no Korean');
	await page.evaluate(markHangul, HANGUL.source);
	const cdp = await page.context().newCDPSession(page);
	await cdp.send('DOM.enable');
	await cdp.send('CSS.enable');
	if (screenshots) // the slide, without the template's buttons over it
		await page.addStyleTag({ content: '.bespoke-marp-osc { display: none !important; }' });
	const count = await page.evaluate(() =>
		document.querySelectorAll('section[data-marpit-pagination]').length);
	for (let n = 1; n <= count; n++) {
		await showSlide(page, n);
		problems.push(...await page.evaluate(layoutProblems, [n, SLACK]));
		if (screenshots)
			await page.screenshot({ path: join(screenshots,
				`${basename(file, '.html')}.${String(n).padStart(3, '0')}.png`) });
		problems.push(...await glyphProblems(cdp, n, covers));
	}
	await cdp.detach();
	problems.push(...fetched.map(url => `fetches ${url}`));
	await page.close();
	return problems.map(p => `${basename(file)}: ${p}`);
}

// Marp's bespoke template shows one slide at a time, slide N at #N; a
// page that is no Marp deck (the probe) shows all of them at once.
async function showSlide(page, n) {
	await page.evaluate(k => { location.hash = '#' + k; }, n);
	await page.waitForFunction(k => !document.querySelector('.bespoke-marp-parent') ||
		document.querySelector('.bespoke-marp-active section')?.id === String(k), n);
	await page.evaluate(() => new Promise(r => requestAnimationFrame(() => r())));
}

async function withBrowser(env, body) {
	const profile = mkdtempSync(join(tmpdir(), 'slides-chromium-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: BROWSER, headless: true, args: ARGS, env,
		viewport: VIEWPORT, offline: true,
	});
	try {
		return await body(context);
	} finally {
		await context.close();
		rmSync(profile, { recursive: true, force: true });
	}
}

// ---- The checks can fail ------------------------------------------------

// A deck of one slide with a long code block, and one with Korean text:
// without these problems found, a pass of the real decks would mean nothing.
const PROBE = `<!DOCTYPE html><html><head><meta charset="utf-8"><style>
section { width: 1280px; height: 720px; padding: 36px 56px 48px; box-sizing: border-box;
	position: relative; overflow: hidden; font-family: sans-serif; font-size: 28px; }
footer { position: absolute; left: 56px; bottom: 21px; font-size: 16px; }
</style></head><body><section data-marpit-pagination="1"><p>안녕 세계!</p>
<pre>${'line\n'.repeat(40)}</pre><footer>a footer</footer></section></body></html>`;

async function proveChecks() {
	const dir = mkdtempSync(join(tmpdir(), 'slides-probe-'));
	const probe = join(dir, 'probe.html');
	writeFileSync(probe, PROBE);
	// A fontconfig that knows one directory, with no CJK font in it.
	writeFileSync(join(dir, 'fonts.conf'), `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>
<dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>${dir}/cache</cachedir>
</fontconfig>`);
	const env = { ...process.env, FONTCONFIG_FILE: join(dir, 'fonts.conf') };
	try {
		const problems = await withBrowser(env, context =>
			checkDeck(context, probe, fontCoverage(env), null));
		const found = re => problems.some(p => re.test(p));
		const missed = [];
		if (!found(/the content is|leaves the frame/))
			missed.push('an overflowing code block');
		if (!found(/footer overlaps/))
			missed.push('a footer over the code');
		if (!found(/drawn as boxes/))
			missed.push('Korean drawn as boxes');
		if (missed.length) {
			console.error('test-render: the checks missed ' + missed.join(', ') +
				' in a probe slide; they found:\n  ' + problems.join('\n  '));
			process.exit(2);
		}
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

// ---- main ---------------------------------------------------------------

async function main() {
	const argv = process.argv.slice(2);
	let screenshots = null;
	if (argv[0] === '--screenshots') {
		screenshots = resolve(argv[1]);
		mkdirSync(screenshots, { recursive: true });
		argv.splice(0, 2);
	}
	const html = join(SLIDES, 'html');
	const decks = argv.length ? argv.map(f => resolve(f)) :
		readdirSync(html).filter(f => f.endsWith('.html')).sort().map(f => join(html, f));
	if (!decks.length) {
		console.error('test-render: no decks in slides/html: run make slides first');
		process.exit(2);
	}
	await proveChecks();
	const covers = fontCoverage(process.env);
	const problems = await withBrowser(process.env, async context => {
		const all = [];
		for (const deck of decks)
			all.push(...await checkDeck(context, deck, covers, screenshots));
		return all;
	});
	for (const p of problems)
		console.log(p);
	if (problems.length) {
		console.log(`test-render: ${problems.length} problem(s) in ${decks.length} deck(s)`);
		process.exit(1);
	}
	console.log(`test-render: ${decks.length} deck(s) render inside their frames, ` +
		'Korean in a named CJK font');
}

main().catch(e => {
	console.error('test-render: ' + (e.stack || e));
	process.exit(2);
});
