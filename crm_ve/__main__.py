from crm_ve.cli import console_main

console_main()
