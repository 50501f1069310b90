/* config.h: stands in for the autoconf-generated user/config.h of Pistachio's user tree (amd64, serial console on COM1). Written locally, not fetched. */
#ifndef LOCAL_CONFIG_H
#define LOCAL_CONFIG_H
#define CONFIG_ARCH_AMD64 1
#define CONFIG_COMPORT 0
#define CONFIG_COMSPEED 115200
#endif
