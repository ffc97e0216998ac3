// The user password rules the server enforces (8+ characters, upper, lower,
// digit, special), for the live checklist on the token page. The character
// classes are ASCII like the original zhiva service's: anything outside
// A-Z, a-z, 0-9 counts as special.

export const kPasswordRules = [
  {id: 'length', label: 'At least 8 characters', test: (p) => [...p].length >= 8},
  {id: 'upper', label: 'An uppercase letter', test: (p) => /[A-Z]/.test(p)},
  {id: 'lower', label: 'A lowercase letter', test: (p) => /[a-z]/.test(p)},
  {id: 'digit', label: 'A digit', test: (p) => /[0-9]/.test(p)},
  {id: 'special', label: 'A special character (e.g. ! ? # %)', test: (p) => /[^A-Za-z0-9]/.test(p)},
];

// Returns {id: boolean} for every rule.
export function checkPassword(password) {
  return Object.fromEntries(kPasswordRules.map((rule) => [rule.id, rule.test(password)]));
}

export function isStrongPassword(password) {
  return kPasswordRules.every((rule) => rule.test(password));
}
