// Token check at the Socket.IO handshake (`auth: {token}`), shared by every namespace: the client
// sees `connect_error` with the reason.
import type { Socket } from "socket.io";
import { hasRole, type Principal, type UserRole } from "../auth/roles.ts";
import type { TokenService } from "../auth/tokens.ts";

export function socketAuth(tokens: TokenService, namespace: string, min: UserRole, init: (socket: Socket, principal: Principal) => void) {
  return (socket: Socket, next: (err?: Error) => void): void => {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    tokens.verify(typeof token === "string" ? token : undefined).then(
      (principal) => {
        if (!principal) return next(new Error("unauthorized: missing, invalid or revoked token"));
        if (!hasRole(principal, min)) return next(new Error(`forbidden: ${namespace} needs role ${min} or stronger`));
        init(socket, principal);
        next();
      },
      () => next(new Error("unauthorized: token check failed")),
    );
  };
}
