// GPS check-in on arrival: the position with its accuracy, and how far it is from the school's
// known position (a warning past FAR metres). The check-in is queued like any other change.
export const FAR = 500;

export function distanceMetres(lat1, lon1, lat2, lon2) {
  const rad = (d) => (Number(d) * Math.PI) / 180;
  const dp = rad(lat2) - rad(lat1);
  const dl = rad(lon2) - rad(lon1);
  const a = Math.sin(dp / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(dl / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(a)));
}

export function formatDistance(metres) {
  return metres >= 1000 ? `${(metres / 1000).toFixed(1)} km` : `${Math.round(metres)} m`;
}

export function locate() {
  return new Promise((resolve, reject) => {
    navigator.geolocation.getCurrentPosition((pos) => resolve(pos), reject,
      { enableHighAccuracy: true, timeout: 30000, maximumAge: 60000 });
  });
}
