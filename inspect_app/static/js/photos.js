// Photos taken on the tablet: read the capture time and position from the camera's EXIF, turn the
// picture upright and scale it to a 1600-pixel long edge as a JPEG, before anything is stored.
// The server decodes and checks it again; this only keeps uploads small on a weak connection.
export const LONG_EDGE = 1600;
const QUALITY = 0.8;

function ascii(view, offset, length) {
  let text = "";
  for (let i = 0; i < length && offset + i < view.byteLength; i += 1) {
    const code = view.getUint8(offset + i);
    if (code === 0) break;
    text += String.fromCharCode(code);
  }
  return text;
}

// The EXIF of a JPEG: DateTimeOriginal (local time, as cameras here keep it) and the GPS position.
export function readExif(buffer) {
  const view = new DataView(buffer);
  if (view.byteLength < 4 || view.getUint16(0) !== 0xffd8) return {};
  let offset = 2;
  while (offset + 4 < view.byteLength) {
    const marker = view.getUint16(offset);
    const size = view.getUint16(offset + 2);
    if (marker === 0xffe1 && ascii(view, offset + 4, 4) === "Exif") return parseTiff(view, offset + 10);
    if ((marker & 0xff00) !== 0xff00 || marker === 0xffda) break;
    offset += 2 + size;
  }
  return {};
}

function parseTiff(view, start) {
  const little = view.getUint16(start) === 0x4949;
  const u16 = (o) => view.getUint16(start + o, little);
  const u32 = (o) => view.getUint32(start + o, little);
  const rational = (o) => u32(o) / (u32(o + 4) || 1);
  function entries(ifd) {
    const found = new Map();
    if (!ifd || start + ifd + 2 > view.byteLength) return found;
    const count = u16(ifd);
    for (let i = 0; i < count; i += 1) {
      const at = ifd + 2 + i * 12;
      if (start + at + 12 > view.byteLength) break;
      found.set(u16(at), { type: u16(at + 2), count: u32(at + 4), value: at + 8 });
    }
    return found;
  }
  const result = {};
  try {
    const top = entries(u32(4));
    const exifIfd = top.get(0x8769);
    if (exifIfd) {
      const original = entries(u32(exifIfd.value)).get(0x9003);
      if (original) {
        const text = ascii(view, start + u32(original.value), 19);
        const m = /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
        if (m) result.takenAt = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+08:00`;
      }
    }
    const gpsIfd = top.get(0x8825);
    if (gpsIfd) {
      const gps = entries(u32(gpsIfd.value));
      const degrees = (tag) => {
        const entry = gps.get(tag);
        if (!entry) return null;
        const o = u32(entry.value);
        return rational(o) + rational(o + 8) / 60 + rational(o + 16) / 3600;
      };
      const lat = degrees(2);
      const lon = degrees(4);
      if (lat != null && lon != null) {
        const south = gps.get(1) && ascii(view, start + gps.get(1).value, 1) === "S";
        const west = gps.get(3) && ascii(view, start + gps.get(3).value, 1) === "W";
        result.latitude = (south ? -lat : lat).toFixed(6);
        result.longitude = (west ? -lon : lon).toFixed(6);
      }
    }
  } catch (err) {
    return result;
  }
  return result;
}

// The photo upright (createImageBitmap applies the EXIF orientation) at most LONG_EDGE pixels long.
export async function downscale(file) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, LONG_EDGE / Math.max(bitmap.width, bitmap.height));
  const width = Math.round(bitmap.width * scale);
  const height = Math.round(bitmap.height * scale);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  context.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const blob = await new Promise((resolve, reject) => {
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("toBlob"))), "image/jpeg", QUALITY);
  });
  // iOS keeps canvas memory until the canvas shrinks.
  canvas.width = 1;
  canvas.height = 1;
  return { bytes: await blob.arrayBuffer(), type: "image/jpeg", width, height };
}

// A file this browser cannot decode as a picture: it is refused when picked, online or offline, and
// never kept nor sent (the server would refuse it too, after the whole upload).
export class NotAPhoto extends Error {}

// A photo ready to keep: scaled bytes plus what the camera (or the file) says about when and where.
export async function preparePhoto(file) {
  const original = await file.arrayBuffer();
  const exif = file.type === "image/jpeg" || /\.jpe?g$/i.test(file.name) ? readExif(original) : {};
  let scaled;
  try {
    scaled = await downscale(file);
  } catch (err) {
    throw new NotAPhoto(file.name || "");
  }
  const takenAt = exif.takenAt || (file.lastModified ? new Date(file.lastModified).toISOString() : null);
  return { ...scaled, takenAt, exifLatitude: exif.latitude || null, exifLongitude: exif.longitude || null };
}

// The tablet's current position, or null (no permission, no fix within the time).
export function currentPosition(timeout = 8000) {
  return new Promise((resolve) => {
    if (!("geolocation" in navigator)) {
      resolve(null);
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (pos) => resolve(pos.coords),
      () => resolve(null),
      { enableHighAccuracy: true, timeout, maximumAge: 120000 },
    );
  });
}
