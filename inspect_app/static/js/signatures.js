// Signatures drawn on the tablet (signature_pad): the inspector's and the school representative's.
// A signature is kept as PNG bytes in the outbox like a photo, and replaces the signer's earlier one.
import SignaturePad from "../vendor/signature_pad-5.1.4/signature_pad.js";

export function signaturePad(canvas) {
  const pad = new SignaturePad(canvas, { minWidth: 1, maxWidth: 3, penColor: "#111" });
  function fit() {
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    const data = pad.isEmpty() ? null : pad.toData();
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
    if (data) pad.fromData(data);
  }
  window.addEventListener("resize", fit);
  fit();
  return pad;
}

export async function signatureBytes(pad) {
  const blob = await new Promise((resolve) => pad.canvas.toBlob(resolve, "image/png"));
  return { bytes: await blob.arrayBuffer(), type: "image/png" };
}
