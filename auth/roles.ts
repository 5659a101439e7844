// Roles from API.md: user roles ordered strongest first, and device roles that only send fixes.

export const USER_ROLES = ["viewer", "ranger", "manager", "admin"] as const; // weakest → strongest
export type UserRole = (typeof USER_ROLES)[number];
export type DeviceRole = "collar" | "gateway";
export type Role = UserRole | DeviceRole;

/** Who is calling, as established from a verified token. */
export interface Principal {
  role: Role;
  subject: string;
  /** For collar tokens: the one collar this token may send fixes for. */
  collar?: string;
  /** For gateway tokens: the gateway id. */
  gateway?: string;
  /** Token id (JWT jti) for revocable tokens. */
  tokenId?: string;
  /** User tokens: the login session (logout ends it). */
  session?: string;
}

export function isUserRole(role: Role): role is UserRole {
  return (USER_ROLES as readonly string[]).includes(role);
}

/** True when the principal holds `min` or a stronger user role. Device roles never satisfy a user role. */
export function hasRole(principal: Principal, min: UserRole): boolean {
  if (!isUserRole(principal.role)) return false;
  return USER_ROLES.indexOf(principal.role) >= USER_ROLES.indexOf(min);
}

/** True when the principal may stream fixes on /ingest (devices, and managers+ acting as a gateway). */
export function canIngest(principal: Principal): boolean {
  return principal.role === "collar" || principal.role === "gateway" || hasRole(principal, "manager");
}
