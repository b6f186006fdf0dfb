import { describe, expect, it } from "vitest";
import {
  checkAnAdminRemains,
  checkStaffPermission,
  isRoleRaised,
  mayPerform,
  parseRole,
  type Role,
  roles,
  type StaffAction,
  staffActions,
  staffActionsNeedingFreshProof,
} from "./role.ts";
import type { UserId } from "./user.ts";

/** The permission table as the issue states it, written out in full so a change to it shows here. */
const expected: Record<Role, Record<StaffAction, boolean>> = {
  user: {
    read_users: false,
    unlock: false,
    reset_two_factor: false,
    unlink_provider: false,
    revoke_sessions: false,
    resend_verification: false,
    send_password_reset: false,
    require_new_password: false,
    verify_email: false,
    disable: false,
    enable: false,
    delete: false,
    change_role: false,
    read_audit: false,
    set_maintenance_notice: false,
  },
  support: {
    read_users: true,
    unlock: true,
    reset_two_factor: true,
    unlink_provider: true,
    revoke_sessions: true,
    resend_verification: true,
    send_password_reset: true,
    require_new_password: false,
    verify_email: false,
    disable: false,
    enable: false,
    delete: false,
    change_role: false,
    read_audit: false,
    set_maintenance_notice: false,
  },
  admin: {
    read_users: true,
    unlock: true,
    reset_two_factor: true,
    unlink_provider: true,
    revoke_sessions: true,
    resend_verification: true,
    send_password_reset: true,
    require_new_password: true,
    verify_email: true,
    disable: true,
    enable: true,
    delete: true,
    change_role: true,
    read_audit: true,
    set_maintenance_notice: true,
  },
};

describe("mayPerform", () => {
  for (const role of roles) {
    for (const action of staffActions) {
      it(`${role} ${expected[role][action] ? "may" : "may not"} ${action}`, () => {
        expect(mayPerform(role, action)).toBe(expected[role][action]);
      });
    }
  }
});

describe("checkStaffPermission", () => {
  const changing = staffActions.filter(
    (a) => a !== "read_users" && a !== "read_audit" && a !== "set_maintenance_notice",
  );

  it("refuses every action to a plain user, whatever the target", () => {
    for (const action of staffActions) {
      for (const targetRole of [...roles, undefined]) {
        const result = checkStaffPermission({
          actorRole: "user",
          action,
          ...(targetRole === undefined ? {} : { targetRole }),
        });
        expect(result).toMatchObject({ ok: false, error: "INSUFFICIENT_PERMISSIONS" });
      }
    }
  });

  it("lets support act on users only, and read anyone", () => {
    for (const action of [
      "unlock",
      "reset_two_factor",
      "unlink_provider",
      "revoke_sessions",
      "resend_verification",
      "send_password_reset",
    ] as const) {
      expect(checkStaffPermission({ actorRole: "support", action, targetRole: "user" }).ok).toBe(true);
      expect(checkStaffPermission({ actorRole: "support", action, targetRole: "support" })).toMatchObject({
        ok: false,
        error: "INSUFFICIENT_PERMISSIONS",
      });
      expect(checkStaffPermission({ actorRole: "support", action, targetRole: "admin" }).ok).toBe(false);
    }
    for (const targetRole of roles) {
      expect(checkStaffPermission({ actorRole: "support", action: "read_users", targetRole }).ok).toBe(true);
    }
  });

  it("lets an admin do everything to everyone", () => {
    for (const action of changing) {
      for (const targetRole of roles) {
        expect(checkStaffPermission({ actorRole: "admin", action, targetRole }).ok).toBe(true);
      }
    }
  });

  it("refuses resetting one's own 2FA, vouching for one's own address, requiring one's own new password and unlinking one's own provider, whatever the role", () => {
    for (const action of [
      "reset_two_factor",
      "verify_email",
      "require_new_password",
      "unlink_provider",
    ] as const) {
      const own = checkStaffPermission({
        actorRole: "admin",
        action,
        targetRole: "admin",
        onOwnAccount: true,
      });
      expect(own).toMatchObject({ ok: false, error: "INSUFFICIENT_PERMISSIONS" });
      expect(!own.ok && own.message).toMatch(/own account/);
    }
    for (const action of ["disable", "revoke_sessions", "change_role", "delete", "unlock"] as const) {
      expect(
        checkStaffPermission({ actorRole: "admin", action, targetRole: "admin", onOwnAccount: true }).ok,
      ).toBe(true);
    }
  });

  it("follows the table where the target's role does not matter", () => {
    for (const role of roles) {
      for (const action of staffActions) {
        expect(checkStaffPermission({ actorRole: role, action }).ok).toBe(expected[role][action]);
      }
    }
  });
});

describe("staffActionsNeedingFreshProof", () => {
  it("are the actions that lock someone out or take a protection away, and marking an address verified", () => {
    expect([...staffActionsNeedingFreshProof].sort()).toEqual([
      "change_role",
      "delete",
      "disable",
      "require_new_password",
      "reset_two_factor",
      "unlink_provider",
      "verify_email",
    ]);
  });
});

describe("isRoleRaised", () => {
  it("is true exactly when the new role ranks above the old: user < support < admin", () => {
    const raised = roles.flatMap((before) =>
      roles.filter((after) => isRoleRaised(before, after)).map((after) => `${before}->${after}`),
    );
    expect(raised).toEqual(["user->support", "user->admin", "support->admin"]);
  });
});

describe("parseRole", () => {
  it("accepts the three roles and nothing else", () => {
    expect(roles.map(parseRole)).toEqual(["user", "support", "admin"]);
    for (const other of ["", "Admin", "root", "superuser", "admin "]) expect(parseRole(other)).toBeNull();
  });
});

describe("checkAnAdminRemains", () => {
  const a = "00000000-0000-7000-8000-00000000000a" as UserId;
  const b = "00000000-0000-7000-8000-00000000000b" as UserId;
  const admin = { id: a, role: "admin", status: "active" } as const;

  it("refuses to demote, disable or delete the only active admin", () => {
    for (const after of [
      { role: "support", status: "active" },
      { role: "user", status: "active" },
      { role: "admin", status: "disabled" },
      null,
    ] as const) {
      expect(checkAnAdminRemains({ target: admin, after, activeAdminIds: [a] })).toMatchObject({
        ok: false,
        error: "LAST_ADMIN",
      });
    }
  });

  it("allows it while another active admin remains, the target itself included", () => {
    expect(
      checkAnAdminRemains({
        target: admin,
        after: { role: "user", status: "active" },
        activeAdminIds: [a, b],
      }).ok,
    ).toBe(true);
    expect(checkAnAdminRemains({ target: admin, after: null, activeAdminIds: [b, a] }).ok).toBe(true);
  });

  it("allows any change that keeps the admin active, and any change to other accounts", () => {
    expect(
      checkAnAdminRemains({ target: admin, after: { role: "admin", status: "active" }, activeAdminIds: [a] })
        .ok,
    ).toBe(true);
    const support = { id: b, role: "support", status: "active" } as const;
    expect(checkAnAdminRemains({ target: support, after: null, activeAdminIds: [a] }).ok).toBe(true);
    const disabledAdmin = { id: b, role: "admin", status: "disabled" } as const;
    expect(
      checkAnAdminRemains({
        target: disabledAdmin,
        after: { role: "user", status: "disabled" },
        activeAdminIds: [],
      }).ok,
    ).toBe(true);
  });
});
