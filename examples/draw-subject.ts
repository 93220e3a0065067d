/**
 * Draws examples/subject.png: a gift box with a bow on a transparent background, the kind of
 * cut-out subject the pipeline expects. Run with `npx node examples/draw-subject.ts`.
 */
import path from 'node:path';
import sharp from 'sharp';

const svg = `
<svg xmlns="http://www.w3.org/2000/svg" width="800" height="800" viewBox="0 0 800 800">
  <defs>
    <linearGradient id="box" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#e8413c"/>
      <stop offset="1" stop-color="#a3161b"/>
    </linearGradient>
    <linearGradient id="lid" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#ff5a4f"/>
      <stop offset="1" stop-color="#c8201f"/>
    </linearGradient>
    <linearGradient id="gold" x1="0" y1="0" x2="1" y2="0">
      <stop offset="0" stop-color="#f6d365"/>
      <stop offset="0.5" stop-color="#fff1b8"/>
      <stop offset="1" stop-color="#d9a520"/>
    </linearGradient>
  </defs>
  <path d="M400 250 C 300 120, 170 150, 210 230 C 240 290, 340 270, 400 250 Z" fill="url(#gold)" stroke="#b8860b" stroke-width="6"/>
  <path d="M400 250 C 500 120, 630 150, 590 230 C 560 290, 460 270, 400 250 Z" fill="url(#gold)" stroke="#b8860b" stroke-width="6"/>
  <rect x="190" y="360" width="420" height="330" rx="18" fill="url(#box)"/>
  <rect x="160" y="260" width="480" height="120" rx="18" fill="url(#lid)"/>
  <rect x="365" y="260" width="70" height="430" fill="url(#gold)"/>
  <rect x="190" y="380" width="420" height="16" fill="#7a0f12" opacity="0.35"/>
  <circle cx="400" cy="252" r="36" fill="#f0c040" stroke="#b8860b" stroke-width="6"/>
  <circle cx="280" cy="520" r="14" fill="#ffffff" opacity="0.8"/>
  <circle cx="520" cy="600" r="10" fill="#ffffff" opacity="0.7"/>
  <circle cx="540" cy="460" r="8" fill="#ffffff" opacity="0.6"/>
</svg>`;

const target = path.join(import.meta.dirname, 'subject.png');
const info = await sharp(Buffer.from(svg)).png({ compressionLevel: 9, palette: true }).toFile(target);
console.log(`${target}: ${info.width}x${info.height}, ${info.size} bytes`);
