/*
 * envsetup plugin SDK: include this one header in a plugin.
 * plugin.h declares what a plugin provides; host.h what the core lends it;
 * client.h the provider client and the plan/apply/verify rules every task
 * follows.
 */
#ifndef ENVSETUP_ENVSETUP_H
#define ENVSETUP_ENVSETUP_H

#include "envsetup/client.h"
#include "envsetup/host.h"
#include "envsetup/plugin.h"
#include "envsetup/version.h"

#endif
